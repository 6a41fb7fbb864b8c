/**
 * What the supergraph requires of a viewer, field by field: the Federation authorization directives
 * (`@authenticated`, `@requiresScopes`, `@policy`, Apollo Router's names and semantics) that merchant
 * teams put in their subgraphs and composition carries into the supergraph, read once per supergraph.
 *
 * A field requires what its own directives say, what its parent type's say, and what its return type's
 * say (a restricted type restricts every field that returns it and every field of it). A field of an
 * interface also requires what that field requires on every implementation (as Apollo Router reads
 * them). Each field also knows the subgraphs that resolve it, which is what a merchant policy is about.
 */
import { AUTHORIZATION_SPECS } from '../../platform/graphql/authorization-specs.js';
import { Kind, parse, type ConstDirectiveNode, type ConstValueNode, type DefinitionNode, type FieldDefinitionNode, type TypeNode } from 'graphql';

/** OR of ANDs, as the directives' arguments are written: `[["a", "b"], ["c"]]` is (a and b) or c. */
export type Alternatives = readonly (readonly string[])[];

/** What one field requires; every part must hold. */
export interface Requirement {
  /** A stable identity for caching decisions (equal requirements share one). */
  readonly key: string;
  readonly authenticated: boolean;
  /** One entry per `@requiresScopes` application that applies; each must hold. */
  readonly scopes: readonly Alternatives[];
  /** One entry per `@policy` application that applies; each must hold. */
  readonly policies: readonly Alternatives[];
  /** The subgraphs that resolve the field (a merchant policy is about their merchants). */
  readonly subgraphs: readonly string[];
}

interface Declared {
  authenticated: boolean;
  scopes: Alternatives[];
  policies: Alternatives[];
}

export interface SupergraphRequirements {
  /** What `Type.field` requires, or undefined when nothing is required of the viewer. */
  field(typeName: string, fieldName: string): Requirement | undefined;
  /** Whether the supergraph uses the authorization directives at all. */
  readonly any: boolean;
  /** Policy names the supergraph uses (the gateway refuses to start on one it does not know). */
  readonly policyNames: ReadonlySet<string>;
}

/** Reads the authorization directives of a supergraph's SDL (as composed, `@link`s and `@join__*` included). */
export function supergraphRequirements(sdl: string): SupergraphRequirements {
  const document = parse(sdl, { noLocation: true });
  const names = directiveNames(document.definitions);
  const graphs = graphNames(document.definitions);
  const declaredOnType = new Map<string, Declared>();
  const fieldsOf = new Map<string, { definition: FieldDefinitionNode; subgraphs: string[] }[]>();
  const implementations = new Map<string, string[]>();
  const typeGraphs = new Map<string, string[]>();

  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) continue;
    if (!('name' in definition) || !definition.name) continue;
    const typeName = definition.name.value;
    if ('directives' in definition && definition.directives) {
      const declared = declaredBy(definition.directives, names);
      if (declared) declaredOnType.set(typeName, merge(declaredOnType.get(typeName), declared));
      const joined = (definition.directives ?? []).filter((d) => d.name.value === 'join__type').map((d) => graphs.get(enumArgument(d, 'graph') ?? ''));
      typeGraphs.set(
        typeName,
        joined.filter((g): g is string => g !== undefined),
      );
    }
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) {
      for (const implemented of definition.interfaces ?? []) {
        const list = implementations.get(implemented.name.value) ?? [];
        list.push(typeName);
        implementations.set(implemented.name.value, list);
      }
    }
    if (
      'fields' in definition &&
      definition.fields &&
      (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION)
    ) {
      fieldsOf.set(
        typeName,
        (definition.fields as readonly FieldDefinitionNode[]).map((field) => {
          const owners = (field.directives ?? [])
            .filter((d) => d.name.value === 'join__field' && booleanArgument(d, 'external') !== true)
            .map((d) => graphs.get(enumArgument(d, 'graph') ?? ''))
            .filter((g): g is string => g !== undefined);
          return { definition: field, subgraphs: owners };
        }),
      );
    }
  }

  const policyNames = new Set<string>();
  const shared = new Map<string, Requirement>();
  const byField = new Map<string, Requirement>();
  const own = (typeName: string, field: { definition: FieldDefinitionNode }): Declared | undefined => {
    const declared = [declaredBy(field.definition.directives ?? [], names), declaredOnType.get(typeName), declaredOnType.get(namedType(field.definition.type))];
    return declared.reduce<Declared | undefined>((all, next) => (next ? merge(all, next) : all), undefined);
  };
  for (const [typeName, fields] of fieldsOf) {
    for (const field of fields) {
      const fieldName = field.definition.name.value;
      let declared = own(typeName, field);
      let subgraphs = field.subgraphs.length > 0 ? field.subgraphs : (typeGraphs.get(typeName) ?? []);
      for (const implementation of implementations.get(typeName) ?? []) {
        const implemented = fieldsOf.get(implementation)?.find((f) => f.definition.name.value === fieldName);
        if (!implemented) continue;
        const more = own(implementation, implemented);
        if (more) declared = merge(declared, more);
        subgraphs = [...subgraphs, ...(implemented.subgraphs.length > 0 ? implemented.subgraphs : (typeGraphs.get(implementation) ?? []))];
      }
      if (!declared) continue;
      for (const alternatives of declared.policies) for (const all of alternatives) for (const name of all) policyNames.add(name);
      const unique = [...new Set(subgraphs)].sort();
      const key = JSON.stringify([declared.authenticated, declared.scopes, declared.policies, declared.policies.length > 0 ? unique : []]);
      let requirement = shared.get(key);
      if (!requirement) {
        requirement = { key, ...declared, subgraphs: unique };
        shared.set(key, requirement);
      }
      byField.set(`${typeName}.${fieldName}`, requirement);
    }
  }
  return {
    field: (typeName, fieldName) => byField.get(`${typeName}.${fieldName}`),
    any: byField.size > 0,
    policyNames,
  };
}

/** The local names of the authorization directives, from the supergraph's `@link`s (`as:` renames them). */
function directiveNames(definitions: readonly DefinitionNode[]): Map<string, (typeof AUTHORIZATION_SPECS)[number]> {
  const found = new Map<string, (typeof AUTHORIZATION_SPECS)[number]>();
  for (const definition of definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const url = stringArgument(directive, 'url');
      const spec = url && /\/([A-Za-z]+)\/v[0-9.]+$/.exec(url)?.[1];
      if (!spec || !url.startsWith('https://specs.apollo.dev/') || !(AUTHORIZATION_SPECS as readonly string[]).includes(spec)) continue;
      found.set(stringArgument(directive, 'as') ?? spec, spec as (typeof AUTHORIZATION_SPECS)[number]);
    }
  }
  return found;
}

/** `join__Graph` enum values → subgraph names. */
function graphNames(definitions: readonly DefinitionNode[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const definition of definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = graph && stringArgument(graph, 'name');
      if (name) found.set(value.name.value, name);
    }
  }
  return found;
}

function declaredBy(directives: readonly ConstDirectiveNode[], names: Map<string, string>): Declared | undefined {
  let declared: Declared | undefined;
  for (const directive of directives) {
    const spec = names.get(directive.name.value);
    if (!spec) continue;
    declared ??= { authenticated: false, scopes: [], policies: [] };
    if (spec === 'authenticated') declared.authenticated = true;
    else if (spec === 'requiresScopes') declared.scopes.push(alternatives(directive, 'scopes'));
    else declared.policies.push(alternatives(directive, 'policies'));
  }
  return declared;
}

function merge(a: Declared | undefined, b: Declared): Declared {
  if (!a) return b;
  return { authenticated: a.authenticated || b.authenticated, scopes: [...a.scopes, ...b.scopes], policies: [...a.policies, ...b.policies] };
}

function alternatives(directive: ConstDirectiveNode, argument: string): Alternatives {
  const value = directive.arguments?.find((a) => a.name.value === argument)?.value;
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : []));
}

const argumentOf = (directive: ConstDirectiveNode, name: string): ConstValueNode | undefined => directive.arguments?.find((a) => a.name.value === name)?.value;

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = argumentOf(directive, name);
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function enumArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = argumentOf(directive, name);
  return value?.kind === Kind.ENUM ? value.value : undefined;
}

function booleanArgument(directive: ConstDirectiveNode, name: string): boolean | undefined {
  const value = argumentOf(directive, name);
  return value?.kind === Kind.BOOLEAN ? value.value : undefined;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

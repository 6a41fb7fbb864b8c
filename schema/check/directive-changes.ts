/**
 * Directive applications a merchant team's clients feel, compared between two supergraphs: the
 * authorization directives (`@authenticated`, `@requiresScopes`, `@policy`: who may read an element), the
 * demand-control ones (`@cost`, `@listSize`: what an operation is estimated to cost) and `@deprecated`.
 * The API schema drops the first five (they are linked features, enforced by the gateway), so they are read
 * from the supergraphs, on every type, field, argument, input field and enum value both API schemas have
 * (a new or removed element is already a change of its own). GraphQL Inspector's own reports of
 * `@deprecated` are left out for these (see {@link isReportedByDirectiveChanges}): it reports one edit up to three times.
 */
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type Directive,
  type NamedType,
  type Schema,
  type Supergraph,
} from '@apollo/federation-internals';
import { AUTHORIZATION_SPECS } from '../../platform/graphql/authorization-specs.js';
import type { ChangeLevel, SchemaChange } from './schema-changes.js';

/** The directives compared, as their specs name them (whatever a supergraph imports them as). */
export const COMPARED_DIRECTIVES = ['authenticated', 'requiresScopes', 'policy', 'cost', 'listSize', 'deprecated'] as const;
type ComparedDirective = (typeof COMPARED_DIRECTIVES)[number];

const SPEC_URLS = new Set([...AUTHORIZATION_SPECS, 'cost'].map((name) => `https://specs.apollo.dev/${name}`));
const AUTHORIZATION: ReadonlySet<string> = new Set(AUTHORIZATION_SPECS);

/** GraphQL Inspector's element kinds, as its `DIRECTIVE_USAGE_<KIND>_ADDED` change types name them. */
type ElementKind =
  'OBJECT' | 'INTERFACE' | 'UNION' | 'ENUM' | 'SCALAR' | 'INPUT_OBJECT' | 'FIELD_DEFINITION' | 'ARGUMENT_DEFINITION' | 'INPUT_FIELD_DEFINITION' | 'ENUM_VALUE';

const KIND_WORDS: Record<ElementKind, string> = {
  OBJECT: 'object type',
  INTERFACE: 'interface',
  UNION: 'union',
  ENUM: 'enum',
  SCALAR: 'scalar',
  INPUT_OBJECT: 'input object',
  FIELD_DEFINITION: 'field',
  ARGUMENT_DEFINITION: 'argument',
  INPUT_FIELD_DEFINITION: 'input field',
  ENUM_VALUE: 'enum value',
};

const TYPE_KINDS: Record<NamedType['kind'], ElementKind> = {
  ObjectType: 'OBJECT',
  InterfaceType: 'INTERFACE',
  UnionType: 'UNION',
  EnumType: 'ENUM',
  ScalarType: 'SCALAR',
  InputObjectType: 'INPUT_OBJECT',
};

/** One application: as printed (spec name, arguments), and its arguments. */
interface Application {
  printed: string;
  args: Record<string, unknown>;
}

interface Element {
  kind: ElementKind;
  applications: Map<ComparedDirective, Application>;
}

/** Each added, removed or changed application of a compared directive on an element both supergraphs' API schemas have. */
export function directiveChanges(before: Supergraph, after: Supergraph): SchemaChange[] {
  const old = elementsOf(before);
  const changes: SchemaChange[] = [];
  for (const [coordinate, now] of elementsOf(after)) {
    const was = old.get(coordinate);
    if (!was || was.kind !== now.kind) continue;
    for (const directive of COMPARED_DIRECTIVES) {
      const [from, to] = [was.applications.get(directive), now.applications.get(directive)];
      if (from?.printed !== to?.printed) changes.push(changeOf(coordinate, now.kind, directive, from, to));
    }
  }
  return changes;
}

/** Whether GraphQL Inspector's `change` is about `@deprecated`, which {@link directiveChanges} reports instead. */
export function isReportedByDirectiveChanges(change: SchemaChange): boolean {
  return /DEPRECATION/.test(change.type) || (change.type.startsWith('DIRECTIVE_USAGE_') && /\.@deprecated(\.|$)/.test(change.path ?? ''));
}

function changeOf(coordinate: string, kind: ElementKind, directive: ComparedDirective, from?: Application, to?: Application): SchemaChange {
  const element = `${KIND_WORDS[kind]} '${coordinate}'`;
  const action = !from ? 'ADDED' : !to ? 'REMOVED' : 'CHANGED';
  const what =
    action === 'ADDED'
      ? `Directive '${to!.printed}' was added to ${element}`
      : action === 'REMOVED'
        ? `Directive '${from!.printed}' was removed from ${element}`
        : `Directive '@${directive}' on ${element} changed from '${from!.printed}' to '${to!.printed}'`;
  const { level, effect } = effectOf(directive, kind, from, to);
  return { level, type: `DIRECTIVE_USAGE_${kind}_${action}`, message: `${what}: ${effect}`, path: coordinate, directive: `@${directive}` };
}

/** Who an added authorization directive refuses. */
const REFUSED_VIEWERS: Record<string, string> = {
  authenticated: 'anonymous viewers',
  requiresScopes: 'viewers without those scopes',
  policy: 'viewers the policies refuse',
};

/** The error a refused viewer gets (issue 22: the platform's merchant policies answer with its own codes). */
const refusal = (directive: string) =>
  directive === 'policy' ? "an error (UNAUTHORIZED_FIELD_OR_TYPE, or the platform policy's own code)" : 'an UNAUTHORIZED_FIELD_OR_TYPE error';

/** What the change does to clients, and so its level. */
function effectOf(directive: ComparedDirective, kind: ElementKind, from?: Application, to?: Application): { level: ChangeLevel; effect: string } {
  const scope = kind === 'FIELD_DEFINITION' ? 'it' : kind === 'OBJECT' || kind === 'INTERFACE' ? 'every field of or returning it' : 'every field returning it';
  if (AUTHORIZATION.has(directive)) {
    if (!to) return { level: 'safe', effect: `every viewer may read ${scope} now` };
    if (!from) return { level: 'breaking', effect: `${REFUSED_VIEWERS[directive]} get null and ${refusal(directive)} for ${scope}` };
    return allowsEveryoneAllowedBefore(from, to)
      ? { level: 'safe', effect: 'every viewer who met the old requirement meets the new one' }
      : { level: 'breaking', effect: `viewers who met the old requirement but not the new one get null and ${refusal(directive)} for ${scope}` };
  }
  if (directive === 'deprecated') {
    const effect = !from ? 'clients are told to stop using it' : !to ? 'it is no longer deprecated' : 'the deprecation reason changed';
    return { level: 'safe', effect };
  }
  return {
    level: 'dangerous',
    effect: "the gateway's cost estimate of operations using it changes, and demand control refuses operations estimated over its maximum",
  };
}

/**
 * `@requiresScopes` and `@policy` take alternatives of conjunctions: `[["a", "b"], ["c"]]` is (a and b)
 * or c. Every viewer allowed before is allowed after when each old alternative includes a whole new one.
 */
function allowsEveryoneAllowedBefore(from: Application, to: Application): boolean {
  const alternatives = (application: Application) => (application.args.scopes ?? application.args.policies ?? []) as string[][];
  const [before, after] = [alternatives(from), alternatives(to)];
  return before.every((old) => after.some((alternative) => alternative.every((requirement) => old.includes(requirement))));
}

/** Every element of the supergraph's API schema, by schema coordinate, with its compared directives (read in the supergraph). */
function elementsOf(supergraph: Supergraph): Map<string, Element> {
  const schema = supergraph.schema;
  const elements = new Map<string, Element>();
  const add = (coordinate: string, kind: ElementKind, source: { readonly appliedDirectives: readonly Directive[] } | undefined) => {
    if (source) elements.set(coordinate, { kind, applications: applicationsOf(schema, source.appliedDirectives) });
  };
  for (const type of supergraph.apiSchema().types()) {
    const source = schema.type(type.name);
    if (!source || source.kind !== type.kind) continue;
    add(type.name, TYPE_KINDS[type.kind], source);
    if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(source) || isInterfaceType(source))) {
      for (const field of type.fields()) {
        const sourceField = source.field(field.name);
        add(field.coordinate, 'FIELD_DEFINITION', sourceField);
        // `Type.field.argument`, as GraphQL Inspector and the operation checks write it (federation-internals writes `Type.field(argument:)`).
        for (const argument of field.arguments()) add(`${field.coordinate}.${argument.name}`, 'ARGUMENT_DEFINITION', sourceField?.argument(argument.name));
      }
    } else if (isInputObjectType(type) && isInputObjectType(source)) {
      for (const field of type.fields()) add(field.coordinate, 'INPUT_FIELD_DEFINITION', source.field(field.name));
    } else if (isEnumType(type) && isEnumType(source)) {
      for (const value of type.values) add(value.coordinate, 'ENUM_VALUE', source.value(value.name));
    }
  }
  return elements;
}

/** The compared directives among `applied`, by the name their spec gives them (`@deprecated` is built in). */
function applicationsOf(schema: Schema, applied: readonly Directive[]): Map<ComparedDirective, Application> {
  const found = new Map<ComparedDirective, Application>();
  for (const directive of applied) {
    const source = directive.name === 'deprecated' ? undefined : schema.coreFeatures?.sourceFeature(directive);
    const name = directive.name === 'deprecated' ? 'deprecated' : source && SPEC_URLS.has(source.feature.url.identity) ? source.nameInFeature : null;
    if (!name || !(COMPARED_DIRECTIVES as readonly string[]).includes(name)) continue;
    // `toString()` prints the name the supergraph uses; the spec's name keeps renamed imports comparable.
    const printed = `@${name}${directive.toString().slice(directive.name.length + 1)}`;
    found.set(name as ComparedDirective, { printed, args: { ...directive.arguments() } });
  }
  return found;
}

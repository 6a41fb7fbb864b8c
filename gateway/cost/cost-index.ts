/**
 * The costs a supergraph declares, read once per supergraph. Subgraphs annotate their schemas with the
 * IBM cost spec's directives (https://ibm.github.io/graphql-specs/cost-spec.html), `@cost(weight:)` on
 * fields, arguments, input fields, objects, scalars and enums and `@listSize` on list fields; composition
 * keeps them in the supergraph under the `https://specs.apollo.dev/cost/v0.1` link, whatever the
 * subgraphs named them. This module reads that SDL's AST alone (no schema object: it depends on no graphql
 * instance) into what the estimate needs per type and field, with Apollo Router's defaults filled in.
 */
import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DefinitionNode,
  type InputValueDefinitionNode,
  type TypeDefinitionNode,
  type TypeExtensionNode,
  type TypeNode,
} from 'graphql';

/** The cost spec as composition links it (any version). */
const COST_SPEC = 'https://specs.apollo.dev/cost/';

export type TypeKind = 'object' | 'interface' | 'union' | 'scalar' | 'enum' | 'input';

/** `@listSize` on a field: how many items its list holds, or which arguments say so. */
export interface ListSize {
  assumedSize: number | undefined;
  slicingArguments: readonly string[] | undefined;
  /** Fields of the returned object whose lists the slicing arguments size (a connection's `edges`). */
  sizedFields: ReadonlySet<string> | undefined;
  /** Exactly one slicing argument must be given (the directive's default: true). */
  requireOneSlicingArgument: boolean;
}

/** An argument or an input field. */
export interface InputCost {
  /** Its named type. */
  type: string;
  /** `@cost` on it, else on its type; undefined: not annotated. */
  weight: number | undefined;
  defaultValue: ConstValueNode | undefined;
}

export interface FieldCost {
  /** Its named type. */
  type: string;
  list: boolean;
  /** `@cost` on the field, else on its type; undefined: not annotated. */
  weight: number | undefined;
  /** Returns an object, interface or union (Apollo's default cost 1; scalars and enums 0). */
  composite: boolean;
  listSize: ListSize | undefined;
  arguments: ReadonlyMap<string, InputCost>;
}

export interface TypeCosts {
  kind: TypeKind;
  /** Output fields (objects, interfaces). */
  fields: ReadonlyMap<string, FieldCost>;
  /** Input fields (input objects). */
  inputFields: ReadonlyMap<string, InputCost>;
  /** The object types a value of this type can be (itself, its implementations, its members). */
  possibleTypes: ReadonlySet<string>;
}

export interface CostIndex {
  types: ReadonlyMap<string, TypeCosts>;
  roots: Readonly<Record<'query' | 'mutation' | 'subscription', string>>;
}

interface DirectiveNames {
  cost: string;
  listSize: string;
}

const KINDS: Partial<Record<DefinitionNode['kind'], TypeKind>> = {
  [Kind.OBJECT_TYPE_DEFINITION]: 'object',
  [Kind.OBJECT_TYPE_EXTENSION]: 'object',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'interface',
  [Kind.INTERFACE_TYPE_EXTENSION]: 'interface',
  [Kind.UNION_TYPE_DEFINITION]: 'union',
  [Kind.UNION_TYPE_EXTENSION]: 'union',
  [Kind.SCALAR_TYPE_DEFINITION]: 'scalar',
  [Kind.SCALAR_TYPE_EXTENSION]: 'scalar',
  [Kind.ENUM_TYPE_DEFINITION]: 'enum',
  [Kind.ENUM_TYPE_EXTENSION]: 'enum',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'input',
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'input',
};

const BUILT_IN_SCALARS = ['String', 'Int', 'Float', 'Boolean', 'ID'];

/** Reads a supergraph's SDL into its cost index. */
export function costIndex(supergraphSdl: string): CostIndex {
  const definitions = parse(supergraphSdl, { noLocation: true }).definitions;
  const names = directiveNames(definitions);
  const weightOf = (directives: readonly ConstDirectiveNode[] | undefined) => (names ? costWeight(directives, names.cost) : undefined);

  // First the types' kinds and own weights, which fields and arguments of those types fall back to.
  const kinds = new Map<string, TypeKind>(BUILT_IN_SCALARS.map((name) => [name, 'scalar']));
  const typeWeights = new Map<string, number>();
  for (const definition of definitions) {
    const kind = KINDS[definition.kind];
    if (!kind) continue;
    const type = definition as TypeDefinitionNode | TypeExtensionNode;
    kinds.set(type.name.value, kind);
    const weight = weightOf(type.directives);
    if (weight !== undefined) typeWeights.set(type.name.value, weight);
  }
  const input = (node: InputValueDefinitionNode): InputCost => {
    const type = namedType(node.type);
    return { type, weight: weightOf(node.directives) ?? typeWeights.get(type), defaultValue: node.defaultValue };
  };

  const types = new Map<string, TypeCosts & { fields: Map<string, FieldCost>; inputFields: Map<string, InputCost>; possibleTypes: Set<string> }>();
  const typeOf = (name: string) => {
    let costs = types.get(name);
    if (!costs) types.set(name, (costs = { kind: kinds.get(name) ?? 'scalar', fields: new Map(), inputFields: new Map(), possibleTypes: new Set() }));
    return costs;
  };
  for (const name of kinds.keys()) typeOf(name);
  const roots = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };
  for (const definition of definitions) {
    switch (definition.kind) {
      case Kind.SCHEMA_DEFINITION:
      case Kind.SCHEMA_EXTENSION:
        for (const root of definition.operationTypes ?? []) roots[root.operation] = root.type.name.value;
        break;
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION: {
        const owner = typeOf(definition.name.value);
        if (owner.kind === 'object') owner.possibleTypes.add(definition.name.value);
        for (const implemented of definition.interfaces ?? [])
          if (owner.kind === 'object') typeOf(implemented.name.value).possibleTypes.add(definition.name.value);
        for (const field of definition.fields ?? []) {
          const type = namedType(field.type);
          const kind = kinds.get(type);
          owner.fields.set(field.name.value, {
            type,
            list: isList(field.type),
            weight: weightOf(field.directives) ?? typeWeights.get(type),
            composite: kind === 'object' || kind === 'interface' || kind === 'union',
            listSize: names && listSize(field.directives, names.listSize),
            arguments: new Map((field.arguments ?? []).map((argument) => [argument.name.value, input(argument)])),
          });
        }
        break;
      }
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        for (const member of definition.types ?? []) typeOf(definition.name.value).possibleTypes.add(member.name.value);
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        for (const field of definition.fields ?? []) typeOf(definition.name.value).inputFields.set(field.name.value, input(field));
        break;
      default:
        break;
    }
  }
  return { types, roots };
}

/**
 * The names the supergraph gives `@cost` and `@listSize`, from its `@link` to the cost spec (core schema
 * naming: imported by name or alias, else `@<as>` for the spec's own-named directive and `@<as>__listSize`).
 * Undefined: the supergraph links no cost spec, so nothing is annotated.
 */
function directiveNames(definitions: readonly DefinitionNode[]): DirectiveNames | undefined {
  for (const definition of definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      const url = argument(link, 'url');
      if (link.name.value !== 'link' || url?.kind !== Kind.STRING || !url.value.startsWith(COST_SPEC)) continue;
      const as = argument(link, 'as');
      const prefix = as?.kind === Kind.STRING ? as.value : 'cost';
      const names = { cost: prefix, listSize: `${prefix}__listSize` };
      const imports = argument(link, 'import');
      for (const imported of imports?.kind === Kind.LIST ? imports.values : []) {
        const name = imported.kind === Kind.STRING ? imported : imported.kind === Kind.OBJECT ? objectField(imported, 'name') : undefined;
        const alias = imported.kind === Kind.OBJECT ? objectField(imported, 'as') : undefined;
        if (name?.kind !== Kind.STRING) continue;
        const local = (alias?.kind === Kind.STRING ? alias.value : name.value).replace(/^@/, '');
        if (name.value === '@cost') names.cost = local;
        if (name.value === '@listSize') names.listSize = local;
      }
      return names;
    }
  }
  return undefined;
}

/** `@cost(weight:)`: an Int as composition writes it, or a numeric String as the IBM spec does. */
function costWeight(directives: readonly ConstDirectiveNode[] | undefined, name: string): number | undefined {
  const weight =
    directives &&
    argument(
      directives.find((directive) => directive.name.value === name),
      'weight',
    );
  if (weight?.kind !== Kind.INT && weight?.kind !== Kind.FLOAT && weight?.kind !== Kind.STRING) return undefined;
  const parsed = Number(weight.value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function listSize(directives: readonly ConstDirectiveNode[] | undefined, name: string): ListSize | undefined {
  const directive = directives?.find((d) => d.name.value === name);
  if (!directive) return undefined;
  const strings = (value: ConstValueNode | undefined) =>
    value?.kind === Kind.LIST ? value.values.flatMap((item) => (item.kind === Kind.STRING ? [item.value] : [])) : undefined;
  const assumed = argument(directive, 'assumedSize');
  const requireOne = argument(directive, 'requireOneSlicingArgument');
  const sized = strings(argument(directive, 'sizedFields'));
  return {
    assumedSize: assumed?.kind === Kind.INT ? Number(assumed.value) : undefined,
    slicingArguments: strings(argument(directive, 'slicingArguments')),
    sizedFields: sized && new Set(sized),
    requireOneSlicingArgument: requireOne?.kind === Kind.BOOLEAN ? requireOne.value : true,
  };
}

const argument = (directive: ConstDirectiveNode | undefined, name: string) => directive?.arguments?.find((a) => a.name.value === name)?.value;
const objectField = (value: ConstValueNode & { kind: Kind.OBJECT }, name: string) => value.fields.find((f) => f.name.value === name)?.value;
const namedType = (type: TypeNode): string => (type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type));
const isList = (type: TypeNode): boolean => type.kind === Kind.LIST_TYPE || (type.kind === Kind.NON_NULL_TYPE && isList(type.type));

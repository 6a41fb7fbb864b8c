/**
 * An operation's cost, as Apollo Router's demand control computes it from the IBM cost spec: estimated
 * from the document before anything runs, and actual from the result it produced. Pure functions of the
 * cost index (cost-index.ts), the document and the variables.
 *
 * - An operation costs its type's base (mutation 10, query and subscription 0) plus its fields.
 * - A field costs `count × (weight + its selections) + its arguments`: `weight` is `@cost` on the field,
 *   else on its type, else 1 for objects, interfaces and unions and 0 for scalars and enums; `count` is 1,
 *   or for a list the size a parent's `@listSize(sizedFields:)` gives it, else its own `@listSize`'s
 *   (the largest slicing argument given, else `assumedSize`), else the configured default list size.
 * - An argument costs its `@cost` (on it, else on its type); an input object 1 (or its `@cost`) plus its
 *   fields; a list its `@cost` plus its items; null nothing. Values given as variables are read.
 * - `__typename` and introspection cost nothing (the gateway answers them itself); a field under a literal
 *   `@skip(if: true)` or `@include(if: false)` is not counted.
 *
 * Fields are collected as execution collects them: one per response key (and per fragment type they are
 * selected on, whose costs add up, as Apollo Router adds its subgraph fetches), a fragment spread once per
 * selection set. An estimate walks each selection of the document once per type and sizing, however the
 * fragments nest, and the actual cost counts each value of the result once.
 */
import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { CostIndex, FieldCost, InputCost, ListSize } from './cost-index.js';

/** The base cost of each operation type (Apollo Router's). */
export const OPERATION_BASE_COST = { query: 0, mutation: 10, subscription: 0 } as const;

export type Variables = Readonly<Record<string, unknown>> | undefined;

export interface Estimate {
  cost: number;
  /** The variables whose values the estimate read (slicing arguments, costed input values): its cache key. */
  reads: readonly string[];
  /** A field whose `@listSize` requires exactly one slicing argument, given none or several (`Type.field`). */
  slicingViolation: string | undefined;
}

/** A field of a selection set: its response key, its definition and the selections under it (of every node merged). */
interface CollectedField {
  key: string;
  /** Where its definition was looked up: the selection's type or a fragment's. */
  scope: string;
  node: FieldNode;
  definition: FieldCost | undefined;
  children: SelectionSetNode[];
}

/** What the walk of one operation shares. */
interface Walk {
  index: CostIndex;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Reads a variable (its value, else its default in the operation, else undefined). */
  variable(name: string): unknown;
}

/** A parent field's `@listSize` as it sizes the lists below it. */
interface Sizing {
  size: number | undefined;
  sizedFields: ReadonlySet<string> | undefined;
}

/** The estimated cost of `operation` (in `document`) with these variables; `listSize` sizes lists nothing else sizes. */
export function estimateCost(index: CostIndex, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables, listSize: number): Estimate {
  const reads = new Set<string>();
  let slicingViolation: string | undefined;
  const walk = walkOf(index, document, operation, variables, reads);
  // A fragment's selections cost the same wherever it is spread (same type, same sizing): each is walked
  // once, so fragments spread under several fields of every level cost a walk per selection, not per path.
  const known = new Map<string, number>();
  const ids = new Map<SelectionSetNode, number>();
  const idOf = (set: SelectionSetNode) => ids.get(set) ?? (ids.set(set, ids.size), ids.size - 1);

  const selections = (sets: readonly SelectionSetNode[], scope: string, sizing: Sizing | undefined): number => {
    const key = `${sets.map(idOf).join(',')} ${scope} ${sizing ? `${sizing.size} ${[...(sizing.sizedFields ?? [])].join(',')}` : ''}`;
    const seen = known.get(key);
    if (seen !== undefined) return seen;
    let cost = 0;
    for (const { scope: owner, node, definition, children } of collect(walk, sets, scope, undefined)) {
      if (!definition) continue;
      const own = definition.listSize && resolveListSize(walk, definition.listSize, node, definition);
      if (own?.violated) slicingViolation ??= `${owner}.${node.name.value}`;
      const count = !definition.list ? 1 : ((sizing?.sizedFields?.has(node.name.value) ? sizing.size : undefined) ?? own?.size ?? listSize);
      const typeCost = (definition.weight ?? (definition.composite ? 1 : 0)) + (children.length ? selections(children, definition.type, own) : 0);
      cost += count * typeCost + argumentsCost(walk, node, definition);
    }
    known.set(key, cost);
    return cost;
  };

  const cost = OPERATION_BASE_COST[operation.operation] + selections([operation.selectionSet], index.roots[operation.operation], undefined);
  return { cost, reads: [...reads], slicingViolation };
}

/**
 * Result fields by selections and `scope runtimeType`, per cost index: every item of a list has the same
 * selections, and so has every result of a cached document, so each is collected once and kept as long
 * as its document (the keys are the document's own selection sets, or arrays kept with them).
 */
const resultFields = new WeakMap<CostIndex, WeakMap<readonly SelectionSetNode[], Map<string, readonly CollectedField[]>>>();
const rootSelections = new WeakMap<OperationDefinitionNode, readonly SelectionSetNode[]>();

/** The actual cost of an executed operation: the same model over the result's real list sizes and nulls. */
export function actualCost(
  index: CostIndex,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  data: Record<string, unknown>,
): number {
  const walk = walkOf(index, document, operation, variables, new Set());
  let collected = resultFields.get(index);
  if (!collected) resultFields.set(index, (collected = new WeakMap()));
  const known = collected;
  const fieldsOf = (sets: readonly SelectionSetNode[], scope: string, runtimeType: string | undefined) => {
    let byType = known.get(sets);
    if (!byType) known.set(sets, (byType = new Map()));
    const key = runtimeType === undefined ? scope : `${scope} ${runtimeType}`;
    let fields = byType.get(key);
    if (!fields) byType.set(key, (fields = collect(walk, sets, scope, { runtimeType })));
    return fields;
  };
  const object = (sets: readonly SelectionSetNode[], scope: string, value: Record<string, unknown>): number => {
    const runtimeType = typeof value.__typename === 'string' ? value.__typename : undefined;
    let cost = 0;
    for (const { key, node, definition, children } of fieldsOf(sets, scope, runtimeType)) {
      const result = value[key];
      if (!definition || result === undefined) continue;
      cost += (node.arguments?.length ? argumentsCost(walk, node, definition) : 0) + item(definition, children, result);
    }
    return cost;
  };
  // A list costs its items; an object its weight (default 1) and its fields; a scalar or null only a declared weight.
  const item = (definition: FieldCost, children: readonly SelectionSetNode[], value: unknown): number => {
    if (Array.isArray(value)) {
      let cost = 0;
      for (const entry of value) cost += item(definition, children, entry);
      return cost;
    }
    if (value === null || typeof value !== 'object') return definition.weight ?? 0;
    return (definition.weight ?? 1) + object(children, definition.type, value as Record<string, unknown>);
  };

  let root = rootSelections.get(operation);
  if (!root) rootSelections.set(operation, (root = [operation.selectionSet]));
  return OPERATION_BASE_COST[operation.operation] + object(root, index.roots[operation.operation], data);
}

const fragmentsByDocument = new WeakMap<DocumentNode, ReadonlyMap<string, FragmentDefinitionNode>>();

function walkOf(index: CostIndex, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables, reads: Set<string>): Walk {
  let fragments = fragmentsByDocument.get(document);
  if (!fragments) {
    const found = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) found.set(definition.name.value, definition);
    fragmentsByDocument.set(document, (fragments = found));
  }
  return {
    index,
    fragments,
    variable(name) {
      reads.add(name);
      if (variables && Object.hasOwn(variables, name)) return variables[name];
      const fallback = operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
      return fallback && valueFromASTUntyped(fallback);
    },
  };
}

/**
 * The fields of `sets` on `scope`, fragments expanded once each, those skipped by a literal `@skip` or
 * `@include` left out, introspection (`__typename`, `__schema`, `__type`) too. For an estimate every
 * fragment counts, and a field selected on a fragment's type apart from the same response key elsewhere.
 * For a `result` object, each response key is one value, and fragments on types other than its
 * `__typename` (when it has one) are left out.
 */
function collect(walk: Walk, sets: readonly SelectionSetNode[], scope: string, result: { runtimeType: string | undefined } | undefined): CollectedField[] {
  const fields = new Map<string, CollectedField>();
  const spread = new Set<string>();
  const runtimeType = result?.runtimeType;
  const applies = (condition: string | undefined) =>
    !condition || !runtimeType || condition === runtimeType || (walk.index.types.get(condition)?.possibleTypes.has(runtimeType) ?? false);
  const add = (set: SelectionSetNode, owner: string) => {
    for (const selection of set.selections) {
      if (skipped(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const key = selection.alias?.value ?? selection.name.value;
        const apart = !result && owner !== scope ? `${key} ${owner}` : key;
        let known = fields.get(apart);
        if (!known) {
          const definition = walk.index.types.get(owner)?.fields.get(selection.name.value);
          fields.set(apart, (known = { key, scope: owner, node: selection, definition, children: [] }));
        }
        if (selection.selectionSet) known.children.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        if (applies(condition)) add(selection.selectionSet, condition ?? owner);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = walk.fragments.get(selection.name.value);
        if (fragment && applies(fragment.typeCondition.name.value)) add(fragment.selectionSet, fragment.typeCondition.name.value);
      }
    }
  };
  for (const set of sets) add(set, scope);
  return [...fields.values()];
}

/** Only literal conditions, as Apollo Router: a condition in a variable counts the field (an upper bound). */
function skipped(directives: FieldNode['directives']): boolean {
  for (const directive of directives ?? []) {
    const condition = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    if (condition?.kind !== Kind.BOOLEAN) continue;
    if (directive.name.value === 'skip' && condition.value) return true;
    if (directive.name.value === 'include' && !condition.value) return true;
  }
  return false;
}

/** A field's `@listSize` for this selection: the largest slicing argument given (or defaulted), else `assumedSize`. */
function resolveListSize(walk: Walk, listSize: ListSize, field: FieldNode, definition: FieldCost): Sizing & { violated: boolean } {
  const sizes: number[] = [];
  for (const name of listSize.slicingArguments ?? []) {
    const given = field.arguments?.find((a) => a.name.value === name)?.value;
    let value = given?.kind === Kind.VARIABLE ? walk.variable(given.name.value) : given?.kind === Kind.INT ? Number(given.value) : undefined;
    const fallback = definition.arguments.get(name)?.defaultValue;
    if (!Number.isInteger(value) && fallback?.kind === Kind.INT) value = Number(fallback.value);
    if (Number.isInteger(value)) sizes.push(Math.max(0, value as number));
  }
  const violated = listSize.slicingArguments !== undefined && listSize.requireOneSlicingArgument && sizes.length !== 1;
  return { size: sizes.length ? Math.max(...sizes) : listSize.assumedSize, sizedFields: listSize.sizedFields, violated };
}

function argumentsCost(walk: Walk, field: FieldNode, definition: FieldCost): number {
  let cost = 0;
  for (const argument of field.arguments ?? []) {
    const input = definition.arguments.get(argument.name.value);
    if (input) cost += valueCost(walk, argument.value, input);
  }
  return cost;
}

/** What a value given to an argument or input field costs. A variable is read only when its value can matter. */
function valueCost(walk: Walk, value: ValueNode, input: InputCost): number {
  switch (value.kind) {
    case Kind.NULL:
      return 0;
    case Kind.VARIABLE:
      return input.weight === undefined && walk.index.types.get(input.type)?.kind !== 'input' ? 0 : jsonCost(walk, walk.variable(value.name.value), input);
    case Kind.LIST:
      return value.values.reduce((sum, item) => sum + valueCost(walk, item, input), input.weight ?? 0);
    case Kind.OBJECT: {
      const fields = walk.index.types.get(input.type)?.inputFields;
      if (!fields) return input.weight ?? 0;
      return value.fields.reduce((sum, field) => {
        const definition = fields.get(field.name.value);
        return definition ? sum + valueCost(walk, field.value, definition) : sum;
      }, input.weight ?? 1);
    }
    default:
      return input.weight ?? 0;
  }
}

/** The same for a variable's JSON value. */
function jsonCost(walk: Walk, value: unknown, input: InputCost): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + jsonCost(walk, item, input), input.weight ?? 0);
  const fields = typeof value === 'object' ? walk.index.types.get(input.type)?.inputFields : undefined;
  if (!fields) return input.weight ?? 0;
  let cost = input.weight ?? 1;
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    const definition = fields.get(name);
    if (definition) cost += jsonCost(walk, field, definition);
  }
  return cost;
}

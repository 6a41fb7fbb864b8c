/**
 * Fields the gateway removes from an operation before it runs, and the answer put back together after:
 * what Apollo Router does for unauthorized fields. A step decides, field by field, whether the field
 * stays (authorization, field rate limits); the operation then runs without the removed fields (so no
 * subgraph is asked for them, and plans and merged requests never mix operations filtered differently:
 * the filtered document has its own text and hash), and each removed field answers null at its place,
 * with the error the step gave, nulls propagating through non-null fields as GraphQL's own do.
 *
 * A removal that empties a selection set keeps the set valid with a hidden `__typename`; where a removed
 * field sat under a type condition (`... on Item`), the hidden `__typename` also tells which objects it
 * belonged to. Both are taken out of the answer. Errors' paths are the field's response path without list
 * indexes, one error per removed field however many list items it would have appeared in.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

// The CommonJS build of graphql, which built the gateway's schema: type checks must be that copy's.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** Why a field is removed: the error its place answers with. */
export interface Removal {
  code: string;
  message: string;
  extensions?: Readonly<Record<string, string | number>>;
}

/** A field kept with everything under it, unexamined (what is under it is decided elsewhere). */
export const UNEXAMINED = Symbol('unexamined');

/** Decides for one field of one type whether it stays (undefined), stays unexamined, or is removed (and why). */
export type FieldDecision = (parentType: string, fieldName: string, field: FieldNode) => Removal | typeof UNEXAMINED | undefined;

/** A field's value: non-null or not, and for a list the shape of its items. */
interface Shape {
  nonNull: boolean;
  items?: Shape;
}

/** One place a removed field would have answered. */
export interface RemovedField {
  /** Response keys from the root to the field. */
  path: readonly string[];
  /** The shape of each step's value. */
  shapes: readonly Shape[];
  /** Where the field sat under a type condition: the object types it belongs to. */
  types: ReadonlySet<string> | undefined;
  error: GraphQLFormattedError;
}

/** An operation with fields removed. */
export interface FilteredOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  text: string;
  removed: readonly RemovedField[];
  /** Nothing is to run: no field is left, or a removed non-null root field makes the answer `data: null` anyway. */
  empty: boolean;
}

/** The hidden alias of `__typename` the filtered document adds, never a name a client chose. */
const HIDDEN = `_removed_${randomBytes(6).toString('hex')}`;

/**
 * The operation without the fields `decide` removes, or undefined when it removes none. `document` is
 * valid against `schema` (the pipeline validated it), and so is the filtered document.
 */
export function filterOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  decide: FieldDecision,
): FilteredOperation | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const decisions = new Map<FieldNode, Removal | typeof UNEXAMINED | undefined>();
  const removed = new Map<string, RemovedField>();
  /** Fields whose selection set gets the hidden `__typename` (a removal under a type condition, or emptied). */
  const typed = new Set<FieldNode>();

  const walk = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: string[],
    shapes: Shape[],
    types: Set<string> | undefined,
    owner: FieldNode | undefined,
  ) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__') || !('getFields' in parent)) continue;
        const definition = parent.getFields()[name];
        if (!definition) continue;
        if (!decisions.has(selection)) decisions.set(selection, decide(parent.name, name, selection));
        const removal = decisions.get(selection);
        if (removal === UNEXAMINED) continue;
        const key = selection.alias?.value ?? name;
        const shape = shapeOf(definition.type);
        if (removal) {
          const at = [...path, key];
          const id = `${at.join('\u0000')}\u0001${[...(types ?? [])].sort().join(',')}`;
          if (!removed.has(id))
            removed.set(id, {
              path: at,
              shapes: [...shapes, shape],
              types,
              error: { message: removal.message, path: at, extensions: { ...removal.extensions, code: removal.code } },
            });
          if (types && owner) typed.add(owner);
          continue;
        }
        const named = graphql.getNamedType(definition.type);
        if (selection.selectionSet && graphql.isCompositeType(named))
          walk(selection.selectionSet, named, [...path, key], [...shapes, shape], undefined, selection);
      } else {
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const condition = fragment.typeCondition ? (schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined) : parent;
        if (!condition) continue;
        walk(fragment.selectionSet, condition, path, shapes, narrow(schema, parent, condition, types), owner);
      }
    }
  };
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;
  walk(operation.selectionSet, root, [], [], undefined, undefined);
  if (removed.size === 0) return undefined;

  // The document without the removed fields; a set left empty keeps the hidden __typename.
  const rewrittenFragments = new Map<string, SelectionSetNode | undefined>();
  const rewrite = (set: SelectionSetNode): SelectionSetNode | undefined => {
    const selections: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const decision = decisions.get(selection);
        if (decision && decision !== UNEXAMINED) continue;
        if (!selection.selectionSet || decision === UNEXAMINED) {
          selections.push(selection);
          continue;
        }
        const inner = rewrite(selection.selectionSet);
        const kept = inner?.selections ?? [];
        const withType = inner === undefined || typed.has(selection) ? [...kept, hiddenTypename()] : kept;
        selections.push({ ...selection, selectionSet: { ...selection.selectionSet, selections: withType } });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = rewrite(selection.selectionSet);
        if (inner) selections.push({ ...selection, selectionSet: inner });
      } else {
        const name = selection.name.value;
        if (!rewrittenFragments.has(name)) {
          rewrittenFragments.set(name, undefined);
          const fragment = fragments.get(name);
          rewrittenFragments.set(name, fragment && rewrite(fragment.selectionSet));
        }
        if (rewrittenFragments.get(name)) selections.push(selection);
      }
    }
    return selections.length > 0 ? { ...set, selections } : undefined;
  };
  const selectionSet = rewrite(operation.selectionSet);
  // Nothing left, or a removed non-null root field nulls the whole answer: nothing runs (no side effect
  // of a mutation the client is answered `data: null` for).
  const empty = selectionSet === undefined || [...removed.values()].some((field) => field.path.length === 1 && field.shapes[0]!.nonNull);
  const filteredOperation: OperationDefinitionNode = {
    ...operation,
    selectionSet: selectionSet ?? { kind: Kind.SELECTION_SET, selections: [hiddenTypename()] },
  };
  const used = new Set<string>();
  const collect = (node: object) =>
    visit(node as OperationDefinitionNode, {
      FragmentSpread(spread) {
        if (used.has(spread.name.value)) return;
        used.add(spread.name.value);
        const fragment = fragments.get(spread.name.value);
        if (fragment) collect({ ...fragment, selectionSet: rewrittenFragments.get(spread.name.value) ?? fragment.selectionSet });
      },
    });
  collect(filteredOperation);
  const keptFragments: FragmentDefinitionNode[] = [...used].map((name) => ({ ...fragments.get(name)!, selectionSet: rewrittenFragments.get(name)! }));
  const variables = new Set<string>();
  for (const node of [filteredOperation.selectionSet, ...(filteredOperation.directives ?? []), ...keptFragments]) {
    visit(node, { Variable: (variable) => void variables.add(variable.name.value) });
  }
  const filtered: OperationDefinitionNode = {
    ...filteredOperation,
    variableDefinitions: operation.variableDefinitions?.filter((definition) => variables.has(definition.variable.name.value)),
  };
  const filteredDocument: DocumentNode = { kind: Kind.DOCUMENT, definitions: [filtered, ...keptFragments] };
  return { document: filteredDocument, operation: filtered, text: print(filteredDocument), removed: [...removed.values()], empty };
}

/**
 * The answer to the client: the removed fields null at their places (propagating through non-null
 * fields), their errors after the execution's own, and the hidden `__typename` taken out. Changes `data`.
 */
export function restoreRemoved(
  result: { data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] },
  removed: readonly RemovedField[],
): { data: Record<string, unknown> | null; errors: GraphQLFormattedError[] } {
  let data = result.data === undefined ? {} : result.data;
  if (data) {
    for (const field of removed) {
      if (nullOut(data, field, 0)) {
        data = null;
        break;
      }
    }
  }
  if (data) stripHidden(data);
  return { data, errors: [...(result.errors ?? []), ...removed.map((field) => field.error)] };
}

/** Sets the field null in `object` (at `field.path[index]` and below); true when `object` itself must become null. */
function nullOut(object: Record<string, unknown>, field: RemovedField, index: number): boolean {
  const key = field.path[index]!;
  const shape = field.shapes[index]!;
  if (index === field.path.length - 1) {
    if (field.types && !field.types.has(object[HIDDEN] as string)) return false;
    object[key] = null;
    return shape.nonNull;
  }
  const value = object[key];
  if (value === null || value === undefined) return false;
  if (!nullInValue(value, shape, field, index + 1)) return false;
  object[key] = null;
  return shape.nonNull;
}

/** Applies `nullOut` through the lists of `shape`; true when `value`'s own place must become null. */
function nullInValue(value: unknown, shape: Shape, field: RemovedField, next: number): boolean {
  if (shape.items) {
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === null || item === undefined || !nullInValue(item, shape.items, field, next)) continue;
      value[i] = null;
      if (shape.items.nonNull) return true;
    }
    return false;
  }
  return typeof value === 'object' && value !== null && nullOut(value as Record<string, unknown>, field, next);
}

function stripHidden(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripHidden(item);
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (HIDDEN in object) delete object[HIDDEN];
    for (const key in object) stripHidden(object[key]);
  }
}

function shapeOf(type: GraphQLOutputType): Shape {
  if (graphql.isNonNullType(type)) return { ...shapeOf(type.ofType), nonNull: true };
  if (graphql.isListType(type)) return { nonNull: false, items: shapeOf(type.ofType as GraphQLOutputType) };
  return { nonNull: false };
}

/** The object types a selection under `condition` applies to, when narrower than `parent` (undefined: all of parent's). */
function narrow(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  condition: GraphQLCompositeType,
  current: Set<string> | undefined,
): Set<string> | undefined {
  if (condition.name === parent.name) return current;
  const possible = graphql.isAbstractType(condition) ? schema.getPossibleTypes(condition).map((t) => t.name) : [condition.name];
  return new Set(current ? possible.filter((name) => current.has(name)) : possible);
}

const hiddenTypename = (): FieldNode => ({ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: HIDDEN }, name: { kind: Kind.NAME, value: '__typename' } });

/**
 * Bounds on what the operation that will run may ask, checked on the parsed document before Apollo
 * validates or plans it: validating and planning are what a hostile document makes expensive (a 150 KB
 * query of 5,000 aliases once took 17.5 s of gateway time and stalled every other request). The token
 * bound (token-bound.ts) ran before parsing; this step counts depth, aliases and root fields with
 * fragments expanded, once per operation of a cached document. Documents are measured before
 * validation, so every walk here is memoised per fragment and tolerates fragment cycles (validation
 * refuses those next).
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { defineFeature } from '../pipeline/feature.js';

export interface QueryLimits {
  /** Deepest field nesting, fragments expanded. @default 15 */
  maxDepth: number;
  /** Aliased fields in the whole operation, fragments expanded. @default 30 */
  maxAliases: number;
  /** Fields selected at the root of an operation, fragments expanded. @default 20 */
  maxRootFields: number;
  /** Lexical tokens in the document (graphql-js `maxTokens`). @default 1000 */
  maxTokens: number;
}

/** Generous for real mini-program operations (depth ≤ 6, a handful of aliases, a few hundred tokens) and for introspection. */
export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 15, maxAliases: 30, maxRootFields: 20, maxTokens: 1000 };

/** What an operation asks for. */
export interface QueryMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
}

interface SetMeasure {
  depth: number;
  aliases: number;
  fields: number;
}

const EMPTY: SetMeasure = { depth: 0, aliases: 0, fields: 0 };

/** Measures one operation of a parsed (not yet validated) document. */
export function measureOperation(document: DocumentNode, operation: OperationDefinitionNode): QueryMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const memo = new Map<string, SetMeasure>();
  const visiting = new Set<string>();

  const fragment = (name: string): SetMeasure => {
    const known = memo.get(name);
    if (known) return known;
    const definition = fragments.get(name);
    if (!definition || visiting.has(name)) return EMPTY;
    visiting.add(name);
    const measured = selectionSet(definition.selectionSet);
    visiting.delete(name);
    memo.set(name, measured);
    return measured;
  };

  // `fields` counts the fields at this level (fragments at this level included): the root's are the root fields.
  const selectionSet = (set: SelectionSetNode): SetMeasure => {
    const total = { depth: 0, aliases: 0, fields: 0 };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? selectionSet(selection.selectionSet) : EMPTY;
        total.depth = Math.max(total.depth, 1 + child.depth);
        total.aliases += (selection.alias ? 1 : 0) + child.aliases;
        total.fields += 1;
        continue;
      }
      const child = selection.kind === Kind.INLINE_FRAGMENT ? selectionSet(selection.selectionSet) : fragment(selection.name.value);
      total.depth = Math.max(total.depth, child.depth);
      total.aliases += child.aliases;
      total.fields += child.fields;
    }
    return total;
  };

  const measured = selectionSet(operation.selectionSet);
  return { depth: measured.depth, aliases: measured.aliases, rootFields: measured.fields };
}

export const queryLimits = (limits: QueryLimits) => {
  // Per operation of a cached document: lives as long as the document stays cached.
  const measures = new WeakMap<OperationDefinitionNode, QueryMeasure>();
  return defineFeature({
    name: 'query-limits',
    needs: ['operation'],
    admit(request) {
      const { document, operation } = request.operation;
      let measured = measures.get(operation);
      if (!measured) measures.set(operation, (measured = measureOperation(document, operation)));
      if (measured.depth > limits.maxDepth) throw new HttpError(400, 'QUERY_TOO_DEEP', `The query nests fields deeper than ${limits.maxDepth} levels.`);
      if (measured.aliases > limits.maxAliases) throw new HttpError(400, 'QUERY_TOO_MANY_ALIASES', `The query uses more than ${limits.maxAliases} aliases.`);
      if (measured.rootFields > limits.maxRootFields) {
        throw new HttpError(400, 'QUERY_TOO_MANY_ROOT_FIELDS', `The query selects more than ${limits.maxRootFields} root fields.`);
      }
    },
  });
};

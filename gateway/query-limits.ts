/**
 * Bounds on what one request may ask, checked on the raw document before Apollo validates or plans it:
 * validating and planning are what a hostile document makes expensive (a 150 KB query of 5,000 aliases
 * once took 17.5 s of gateway time and stalled every other request). Tokens are counted while parsing,
 * so an oversized document is refused without being parsed whole. Documents are measured without
 * validation, so every walk here is memoised per fragment and tolerates fragment cycles (validation
 * refuses those later).
 */
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { HttpError } from '../subgraphs/kit/http-error.js';

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

/** What a document asks for, measured over its largest operation. */
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

/** Measures a parsed (not yet validated) document. */
export function measureQuery(document: DocumentNode): QueryMeasure {
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

  const result: QueryMeasure = { depth: 0, aliases: 0, rootFields: 0 };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const measured = selectionSet(definition.selectionSet);
    result.depth = Math.max(result.depth, measured.depth);
    result.aliases = Math.max(result.aliases, measured.aliases);
    result.rootFields = Math.max(result.rootFields, measured.fields);
  }
  return result;
}

/** What the check needs of a request: where a GraphQL document can be. */
export interface QueryLimitRequest {
  method: string;
  /** The parsed JSON body of a POST. */
  body: unknown;
  /** The URL's query string (GET requests carry the document there). */
  search: string;
}

/** Documents that passed, remembered so a repeated operation is not parsed twice. Small documents only. */
const PASSED_CACHE_LIMIT = 1000;
const PASSED_CACHE_MAX_LENGTH = 16 * 1024;

/**
 * A check to run on every request before GraphQL processing: throws HttpError 400 with a registered
 * code when the document exceeds a limit. Documents that do not parse are left to Apollo to report.
 */
export function createQueryLimitCheck(limits: QueryLimits): (request: QueryLimitRequest) => void {
  const passed = new Set<string>();
  return (request) => {
    const query = documentOf(request);
    if (query === undefined || passed.has(query)) return;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
    } catch (error) {
      // graphql-js reports the token limit only by message ("Document contains more that N tokens. Parsing aborted.").
      if (/\d+ tokens\. Parsing aborted/.test((error as Error).message)) {
        throw new HttpError(400, 'QUERY_TOO_LARGE', `The query has more than ${limits.maxTokens} tokens.`);
      }
      return;
    }
    const measured = measureQuery(document);
    if (measured.depth > limits.maxDepth) throw new HttpError(400, 'QUERY_TOO_DEEP', `The query nests fields deeper than ${limits.maxDepth} levels.`);
    if (measured.aliases > limits.maxAliases) throw new HttpError(400, 'QUERY_TOO_MANY_ALIASES', `The query uses more than ${limits.maxAliases} aliases.`);
    if (measured.rootFields > limits.maxRootFields) {
      throw new HttpError(400, 'QUERY_TOO_MANY_ROOT_FIELDS', `The query selects more than ${limits.maxRootFields} root fields.`);
    }
    if (query.length <= PASSED_CACHE_MAX_LENGTH) {
      if (passed.size >= PASSED_CACHE_LIMIT) passed.delete(passed.values().next().value!);
      passed.add(query);
    }
  };
}

function documentOf(request: QueryLimitRequest): string | undefined {
  if (request.method === 'GET') return new URLSearchParams(request.search).get('query') ?? undefined;
  const { body } = request;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const query = (body as { query?: unknown }).query;
  return typeof query === 'string' ? query : undefined;
}

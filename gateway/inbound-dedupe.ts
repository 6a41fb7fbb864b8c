/**
 * Merging identical in-flight client requests: when thousands of viewers open the same page in the same
 * second, exactly identical requests share one execution and each gets a copy of its answer. A request is
 * merged only with another carrying the same body text and the same values of every header the answer can
 * depend on, including the whole Authorization header: anonymous requests merge with anonymous ones, a
 * viewer's only with that viewer's own (same token, a double tap), never across viewers. Only queries
 * merge: never mutations or subscriptions, nothing with @defer/@stream, nothing unparsable, nothing already
 * answered (there is no response cache here, only requests still running).
 *
 * The same holds for a POST naming its document by hash (`documentId`, APQ's `persistedQuery`) and for a
 * GET (its whole query string is the body): the operation's kind is read from the document the request
 * will run, which `documentOf` resolves; a hash it does not know never merges.
 */
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { Kind, OperationTypeNode, parse, type DocumentNode } from 'graphql';
import { Headers } from '../platform/headers.js';
import type { GraphQLHttpRequest } from '../subgraphs/kit/index.js';

/**
 * The request headers an answer can depend on (the viewer; content negotiation; CSRF prevention). A
 * feature that makes answers depend on another header must add it here, or requests differing in it
 * would share an answer.
 */
const KEY_HEADERS = [Headers.authorization, Headers.accept, Headers.contentType, Headers.apolloRequirePreflight, Headers.apolloOperationName];

export interface InboundDedupeOptions {
  /** Distinct documents whose operation kinds are remembered (each parsed once). @default 1000 */
  maxDocuments?: number;
  /**
   * The document text a request will run, or undefined when unknown: the persisted documents resolve
   * hashes (gateway/persisted-documents.ts `peek`). @default the text the request sends (`query`)
   */
  documentOf?: (request: GraphQLHttpRequest) => string | undefined;
}

export interface InboundDedupe {
  /** Runs `execute` for `request`, or joins an identical request already running and answers with a copy of its answer. */
  run(request: GraphQLHttpRequest, execute: () => Promise<HTTPGraphQLResponse>): Promise<HTTPGraphQLResponse>;
  /** Requests answered by joining an identical one (for metrics and the benchmark). */
  readonly merged: number;
}

export function createInboundDedupe(options: InboundDedupeOptions = {}): InboundDedupe {
  const inFlight = new Map<string, Promise<HTTPGraphQLResponse>>();
  const mergeable = mergeableOperations(options.maxDocuments ?? 1000);
  const documentOf = options.documentOf ?? sentDocument;
  let merged = 0;

  return {
    get merged() {
      return merged;
    },
    async run(request, execute) {
      const key = keyOf(request, mergeable, documentOf);
      if (key === undefined) return execute();
      const running = inFlight.get(key);
      if (running) {
        // Counted on joining, when the request is counted too, so the two always add up.
        merged++;
        const answer = await running;
        if (answer.body.kind !== 'complete') {
          // A streamed answer cannot be shared: this request runs on its own.
          merged--;
          return execute();
        }
        return { status: answer.status, headers: new HeaderMap(answer.headers), body: { kind: 'complete', string: answer.body.string } };
      }
      const started = execute();
      inFlight.set(key, started);
      try {
        return await started;
      } finally {
        inFlight.delete(key);
      }
    },
  };
}

/** The merge key of a request, or undefined when it must run on its own. */
function keyOf(
  request: GraphQLHttpRequest,
  mergeable: (query: string, operationName: unknown) => boolean,
  documentOf: (request: GraphQLHttpRequest) => string | undefined,
): string | undefined {
  const operationName = operationNameOf(request);
  if (operationName === INVALID) return undefined;
  const query = documentOf(request);
  if (query === undefined || !mergeable(query, operationName)) return undefined;
  // A GET is all in its query string; a POST in its body (and its query string, e.g. a mistaken `?query=`).
  let key = `${request.method}\n${request.search}\n${request.method === 'POST' ? request.rawBody : ''}`;
  for (const name of KEY_HEADERS) {
    const value = request.headers[name];
    // Lengths keep the key unambiguous whatever the values contain.
    const text = value === undefined ? '' : Array.isArray(value) ? value.join('\n') : value;
    key += `\n${text.length}:${text}`;
  }
  return key;
}

const INVALID = Symbol('not mergeable');

/** The operation name a GET or POST asks for (undefined: none), or INVALID for a request that is neither. */
function operationNameOf(request: GraphQLHttpRequest): unknown {
  if (request.method === 'GET') return new URLSearchParams(request.search).get('operationName') ?? undefined;
  const { body } = request;
  if (request.method !== 'POST' || request.rawBody === undefined || body === null || typeof body !== 'object') return INVALID;
  return (body as { operationName?: unknown }).operationName;
}

/** The document text a request sends (POST body's `query`, GET's `query` parameter). */
function sentDocument(request: GraphQLHttpRequest): string | undefined {
  if (request.method === 'GET') return new URLSearchParams(request.search).get('query') ?? undefined;
  const query = (request.body as { query?: unknown } | null | undefined)?.query;
  return typeof query === 'string' ? query : undefined;
}

/** Whether the named (or only) operation of a document is a plain query; documents parsed once, bounded. */
function mergeableOperations(maxDocuments: number): (query: string, operationName: unknown) => boolean {
  const kinds = new Map<string, Map<string | undefined, OperationTypeNode> | null>();
  return (query, operationName) => {
    let operations = kinds.get(query);
    if (operations === undefined) {
      operations = operationKinds(query);
      if (kinds.size >= maxDocuments) kinds.delete(kinds.keys().next().value!);
      kinds.set(query, operations);
    }
    if (operations === null) return false;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return false;
    const kind = operationName ? operations.get(operationName) : operations.size === 1 ? operations.values().next().value : undefined;
    return kind === OperationTypeNode.QUERY;
  };
}

/** Each operation's kind by name (undefined for an anonymous one); null if the document cannot merge at all. */
function operationKinds(query: string): Map<string | undefined, OperationTypeNode> | null {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return null; // Apollo answers the syntax error, per request.
  }
  if (/@(defer|stream)\b/.test(query)) return null;
  const kinds = new Map<string | undefined, OperationTypeNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) kinds.set(definition.name?.value, definition.operation);
  }
  return kinds;
}

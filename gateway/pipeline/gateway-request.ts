/**
 * One GraphQL request as the gateway's pipeline knows it. The HTTP edge reads the body (bounded); each
 * step then adds what it resolved, in order, and every later step reads that, never the raw request:
 *
 *   params     the GraphQL request decoded from POST JSON or GET (decode-request.ts)
 *   document   the text that will run and its sha256, whether sent as text or named by hash
 *              (persisted-documents.ts; a hash and a text that disagree never get this far)
 *   operation  the parsed document (once per hash) and the operation in it that will run (parse-document.ts)
 *   viewer     who is asking, admitted: token verified, session not revoked (viewer-admission.ts)
 *
 * So a limit on the document is a limit on what executes, however the request named it.
 */
import type { HeaderMap, HTTPGraphQLResponse } from '@apollo/server';
import type { DocumentNode, GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { GraphQLHttpRequest } from '@identity-federation-gateway/subgraph-kit';
import type { Viewer } from '../viewer.js';
import type { RemovedField } from './removed-fields.js';

/** A GraphQL request as sent (GraphQL over HTTP), before anything it names is resolved. */
export interface GraphQLParams {
  method: 'GET' | 'POST';
  /** The document text, when sent. */
  query: string | undefined;
  /** The hex sha256 the request names its document by (`documentId: "sha256:<hex>"` or APQ's `persistedQuery`). */
  hash: string | undefined;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  /** The request's extensions, without `persistedQuery` (which `hash` carries). */
  extensions: Record<string, unknown> | undefined;
}

/** The document that will run. */
export interface ResolvedDocument {
  text: string;
  /** Lower-case hex sha256 of `text`: the key of every per-document cache. */
  hash: string;
}

/** The parsed document and the operation in it that will run. */
export interface ResolvedOperation {
  /** Shared by every request for this document (parsed once per hash): read-only. */
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

/** What the steps resolve, by name: a feature declares which it needs and which it provides. */
export interface Stages {
  params: GraphQLParams;
  document: ResolvedDocument;
  operation: ResolvedOperation;
  /** undefined: anonymous. */
  viewer: Viewer | undefined;
}
export type Stage = keyof Stages;

export interface GatewayRequest extends Partial<Stages> {
  readonly http: GraphQLHttpRequest;
  /** When the pipeline took the request (performance.now()). */
  readonly receivedAt: number;
  /** Set when the request came as a `subscribe` message on a WebSocket: where a subscription's events go. */
  readonly socket?: SocketChannel;
  /**
   * Fields steps removed from the operation before it runs (authorization, field rate limits): `document`
   * and `operation` are then the filtered ones, and the answer gets these back as nulls with errors.
   */
  removed?: RemovedFields;
}

export interface RemovedFields {
  fields: RemovedField[];
  /** Nothing is left to run: the answer is made without executing. */
  empty: boolean;
  /** A field was removed by a rate limit: the answer's Retry-After. */
  retryAfterSeconds?: number;
}

/** Where a subscription started by a socket's `subscribe` message sends what it produces. */
export interface SocketChannel {
  /**
   * Events' results, oldest first (one `next` message each), as the UTF-8 JSON of `{ data, errors }`:
   * written to the socket together, so a subscriber that fell behind catches up in one write.
   */
  next(results: readonly Buffer[]): void;
  /** The subscription ended on its own: `complete`, or an `error` message with these errors. */
  end(errors?: readonly GraphQLFormattedError[]): void;
  /** The subscription runs; `stop` ends it (the client completed it, or the socket closed). */
  started(stop: () => void): void;
}

/** A request whose `N` stages earlier steps have resolved (checked when the pipeline is built). */
export type RequestWith<N extends Stage> = GatewayRequest & { [K in N]: Stages[K] };

/** The pipeline's answer: Apollo's, or a refusal written by a step. */
export interface GatewayResponse {
  status: number;
  headers: HeaderMap;
  body: HTTPGraphQLResponse['body'];
  /** Set when a step refused the request before anything executed: the codes it answered with. */
  refusedWith?: readonly string[];
}

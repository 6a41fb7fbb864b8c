/**
 * Persisted (trusted) documents. A request may name its document by hash instead of sending the text:
 * `{"documentId": "sha256:<hex>"}` (GraphQL over HTTP's persisted documents) or Apollo's
 * `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}`, by POST or (queries) GET.
 *
 * - A manifest (GraphQL Code Generator's `persisted-documents.json`, hash → text) is loaded at start-up.
 * - `only`: nothing but manifest documents runs; free text is PERSISTED_QUERY_ID_REQUIRED, an unknown hash
 *   PERSISTED_QUERY_NOT_IN_LIST (both HTTP 400).
 * - Otherwise free text runs, and unknown hashes follow Apollo's automatic persisted queries: the answer is
 *   PERSISTED_QUERY_NOT_FOUND, the client sends hash and text, and the pair is remembered (bounded LRU).
 *   A hash that matches neither the text nor its canonical form is PERSISTED_QUERY_HASH_MISMATCH (HTTP 400).
 *
 * It replaces Apollo's own APQ (switched off in gateway-server.ts), so there is one implementation.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { parse } from 'graphql';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnvironmentError } from '../platform/env.js';
import { HttpError, type GraphQLHttpRequest } from '../subgraphs/kit/index.js';

export interface PersistedDocumentsOptions {
  /** hex sha256 → document text, from the manifest. */
  manifest: ReadonlyMap<string, string>;
  /** Run only manifest documents. */
  only: boolean;
  /** Most document text kept from automatic persisted queries, in UTF-16 code units. @default 4 MiB */
  maxRegisteredChars?: number;
}

/** The manifest could not be used (start-up stops); the message says which file and entry. */
export class PersistedDocumentsError extends EnvironmentError {}

const HEX_HASH = /^[0-9a-f]{64}$/;
const DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Reads and checks a manifest: a JSON object of sha256 hex → a document whose sha256 is that key. */
export function loadPersistedDocuments(path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PersistedDocumentsError(`persisted documents manifest ${path}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PersistedDocumentsError(`persisted documents manifest ${path}: must be a JSON object of sha256 hash → document`);
  }
  const documents = new Map<string, string>();
  for (const [hash, text] of Object.entries(parsed)) {
    if (!HEX_HASH.test(hash) || typeof text !== 'string' || sha256(text) !== hash) {
      throw new PersistedDocumentsError(`persisted documents manifest ${path}: entry "${hash.slice(0, 80)}" is not a document whose sha256 is its key`);
    }
    documents.set(hash, text);
  }
  return documents;
}

/** What the plugin reads from the request context (Apollo copies the context object, so it travels in it). */
export interface PersistedDocumentContext extends BaseContext {
  /** The document text the request named by hash. */
  persistedDocument?: string;
}

/**
 * Resolves hashes to documents. `resolve()` runs at the HTTP edge while the context is built (a refusal
 * there becomes the HTTP answer, status included); the plugin then hands the resolved text to Apollo
 * before Apollo reads `query`.
 */
export class PersistedDocuments<TContext extends PersistedDocumentContext> {
  private readonly registered: RegisteredDocuments;

  constructor(private readonly options: PersistedDocumentsOptions) {
    this.registered = new RegisteredDocuments(options.maxRegisteredChars ?? 4 * 1024 * 1024);
  }

  /** The document text a request names by hash, undefined when it names none; HttpError when refused. */
  resolve(req: GraphQLHttpRequest): string | undefined {
    const { hash, query } = requestedDocument(req);
    const { manifest, only } = this.options;
    if (hash === undefined) {
      if (only && query !== undefined)
        throw new HttpError(400, 'PERSISTED_QUERY_ID_REQUIRED', 'Only persisted documents run on this gateway: send the document hash.');
      return undefined;
    }
    const known = manifest.get(hash) ?? (only ? undefined : this.registered.get(hash));
    if (known !== undefined) return known;
    if (only) throw new HttpError(400, 'PERSISTED_QUERY_NOT_IN_LIST', 'This document hash is not in the persisted documents list.');
    // HTTP 200, as Apollo Server answers it: what Apollo clients react to by sending the text.
    if (query === undefined) throw new HttpError(200, 'PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound');
    if (!matches(hash, query)) throw new HttpError(400, 'PERSISTED_QUERY_HASH_MISMATCH', 'The sha256 hash does not match the document sent with it.');
    this.registered.set(hash, query);
    return query;
  }

  /**
   * The document text a request will run, without side effects (nothing registered, nothing refused):
   * the text of the hash it names when known, else the text it sends. Undefined when there is neither
   * or the request is malformed. For merging identical requests (gateway/inbound-dedupe.ts).
   */
  peek(req: GraphQLHttpRequest): string | undefined {
    let requested: { hash: string | undefined; query: string | undefined };
    try {
      requested = requestedDocument(req);
    } catch {
      return undefined;
    }
    const { hash, query } = requested;
    if (hash === undefined) return query;
    const known = this.options.manifest.get(hash) ?? (this.options.only ? undefined : this.registered.peek(hash));
    return known ?? query;
  }

  /** Carries the resolved text in the request's context. */
  attach(context: TContext, document: string | undefined): TContext {
    if (document !== undefined) context.persistedDocument = document;
    return context;
  }

  /** Gives Apollo the resolved text; Apollo's own APQ (switched off) never sees the extension. */
  plugin(): ApolloServerPlugin<TContext> {
    return {
      requestDidStart: async ({ contextValue, request }) => {
        const document = contextValue.persistedDocument;
        if (document === undefined) return;
        request.query = document;
        if (request.extensions) delete request.extensions.persistedQuery;
      },
    };
  }
}

/** The hex hash a request names (documentId, or Apollo's persistedQuery) and its text, if sent. */
function requestedDocument(req: GraphQLHttpRequest): { hash: string | undefined; query: string | undefined } {
  const params = req.method === 'GET' ? new URLSearchParams(req.search) : undefined;
  const body = params ? undefined : isRecord(req.body) ? req.body : undefined;
  const query = params ? (params.get('query') ?? undefined) : typeof body?.query === 'string' ? body.query : undefined;
  const documentId = params ? (params.get('documentId') ?? undefined) : body?.documentId;
  if (documentId !== undefined) {
    const match = typeof documentId === 'string' ? DOCUMENT_ID.exec(documentId) : null;
    if (!match) throw new HttpError(400, 'BAD_REQUEST', 'documentId must be "sha256:" followed by 64 lower-case hex digits.');
    return { hash: match[1], query };
  }
  const extensions = params ? parseJson(params.get('extensions')) : body?.extensions;
  const persisted = isRecord(extensions) ? extensions.persistedQuery : undefined;
  if (persisted === undefined) return { hash: undefined, query };
  const { version, sha256Hash } = isRecord(persisted) ? persisted : {};
  if (version !== 1) throw new HttpError(400, 'BAD_REQUEST', 'Unsupported persisted query version: only version 1 is.');
  if (typeof sha256Hash !== 'string' || !HEX_HASH.test(sha256Hash))
    throw new HttpError(400, 'BAD_REQUEST', 'persistedQuery.sha256Hash must be 64 lower-case hex digits.');
  return { hash: sha256Hash, query };
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'The extensions parameter is not valid JSON.');
  }
}

/**
 * Apollo clients hash the exact text they send; GraphQL Code Generator hashes its canonical print of the
 * document (the manifest's text). Either proves the pair.
 */
function matches(hash: string, text: string): boolean {
  if (sha256(text) === hash) return true;
  try {
    return sha256(printExecutableGraphQLDocument(parse(text))) === hash;
  } catch {
    return false;
  }
}

/** Documents registered by automatic persisted queries, least recently used dropped first, bounded by size. */
class RegisteredDocuments {
  private readonly documents = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  /** The text of a hash, leaving the order of use as it is. */
  peek(hash: string): string | undefined {
    return this.documents.get(hash);
  }

  get(hash: string): string | undefined {
    const text = this.documents.get(hash);
    if (text !== undefined) {
      this.documents.delete(hash);
      this.documents.set(hash, text);
    }
    return text;
  }

  set(hash: string, text: string): void {
    if (text.length > this.maxChars || this.documents.has(hash)) return;
    this.documents.set(hash, text);
    this.chars += text.length;
    for (const [oldest, oldText] of this.documents) {
      if (this.chars <= this.maxChars) break;
      this.documents.delete(oldest);
      this.chars -= oldText.length;
    }
  }
}

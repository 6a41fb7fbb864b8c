/**
 * Persisted (trusted) documents: the pipeline step resolving the document a request will run, from the
 * text it sends or the hash it names (`documentId: "sha256:<hex>"` or Apollo's
 * `extensions.persistedQuery`, read by decode-request.ts), by POST or (queries) GET. Every later step
 * checks `request.document`, never what was sent.
 *
 * - A manifest (GraphQL Code Generator's `persisted-documents.json`, hash → text) is loaded at start-up.
 * - Text alone runs; with `only` it is PERSISTED_QUERY_ID_REQUIRED (HTTP 400).
 * - A hash alone runs the manifest's document, or (not `only`) one registered earlier by Apollo's
 *   automatic persisted queries; otherwise PERSISTED_QUERY_NOT_IN_LIST (`only`, 400) or
 *   PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo answers it: the client resends with the text).
 * - Text and a hash: the hash must be the sha256 of exactly that text, else PERSISTED_QUERY_HASH_MISMATCH
 *   (400, Apollo Server's rule), so a hash never swaps the text that was sent and a text never rides on
 *   a known hash. Not `only`, the pair is registered (bounded LRU) once every later step admitted it.
 *
 * It replaces Apollo's own APQ (switched off in gateway-server.ts), so there is one implementation.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnvironmentError } from '../../platform/env.js';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { defineFeature } from '../pipeline/feature.js';

export interface PersistedDocumentsOptions {
  /** hex sha256 → document text, from the manifest. */
  manifest: ReadonlyMap<string, string>;
  /** Run only manifest documents. @default false */
  only?: boolean;
  /** Most document text kept from automatic persisted queries, in UTF-16 code units. @default 4 MiB */
  maxRegisteredChars?: number;
}

/** The manifest could not be used (start-up stops); the message says which file and entry. */
export class PersistedDocumentsError extends EnvironmentError {}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** Lower-case hex sha256 of a document's text: how documents are keyed everywhere in the gateway. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

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

export const persistedDocuments = (options: PersistedDocumentsOptions) => {
  const registered = new RegisteredDocuments(options.maxRegisteredChars ?? 4 * 1024 * 1024);
  const { manifest, only } = options;
  return defineFeature({
    name: 'persisted-documents',
    needs: ['params'],
    provides: ['document'],
    admit(request) {
      const { query, hash } = request.params;
      if (hash === undefined) {
        if (only) throw new HttpError(400, 'PERSISTED_QUERY_ID_REQUIRED', 'Only persisted documents run on this gateway: send the document hash.');
        // decode-request.ts lets no request through without text or a hash.
        request.document = { text: query!, hash: sha256(query!) };
        return;
      }
      if (query === undefined) {
        const known = manifest.get(hash) ?? (only ? undefined : registered.get(hash));
        if (known !== undefined) return void (request.document = { text: known, hash });
        if (only) throw notInList();
        throw new HttpError(200, 'PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound');
      }
      if (sha256(query) !== hash) throw new HttpError(400, 'PERSISTED_QUERY_HASH_MISMATCH', 'The sha256 hash does not match the document sent with it.');
      if (only && !manifest.has(hash)) throw notInList();
      request.document = { text: query, hash };
    },
    // Hash and text sent together register the pair, once every later check admitted it (an over-limit or
    // invalid document never is). The pair as sent: a later step may have run a filtered document instead.
    respond({ params, document }, response) {
      if (only || response.refusedWith || !document || params?.query === undefined || params.hash === undefined) return;
      if (!manifest.has(params.hash)) registered.set(params.hash, params.query);
    },
  });
};

const notInList = () => new HttpError(400, 'PERSISTED_QUERY_NOT_IN_LIST', 'This document hash is not in the persisted documents list.');

/** Documents registered by automatic persisted queries, least recently used dropped first, bounded by size. */
class RegisteredDocuments {
  private readonly documents = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

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

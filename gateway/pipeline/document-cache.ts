/**
 * Parsed documents, kept by the sha256 of their text: the only place the gateway keeps a document past
 * its request. Bounded by count and by total text length (a parsed document holds its source text), least
 * recently used dropped first, so no sequence of requests grows it without bound. Only documents that
 * parsed within the token limit are kept.
 *
 * Each entry also remembers its validation against the API schema it was last validated against, and
 * Apollo Server reads the entries as its `documentStore`: a document the pipeline parsed and validated is
 * never parsed or validated again by Apollo. (Apollo keys its store `<schema hash>:<document hash>`; a
 * document validated against a schema other than the one now served is not handed over, so after a
 * supergraph reload Apollo validates for itself until the pipeline has.)
 */
import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { DocumentNode, GraphQLError } from 'graphql';

/** What Apollo Server takes as its `documentStore` (a KeyValueCache of parsed documents). */
export type ApolloDocumentStore = NonNullable<ApolloServerOptions<BaseContext>['documentStore']>;

export interface CachedDocument {
  readonly document: DocumentNode;
  /** Text length: the entry's weight. */
  readonly chars: number;
}

/** The schema a document was last validated against, and what validation found (empty: valid). */
interface Validation {
  schema: object;
  errors: readonly GraphQLError[];
}

export interface DocumentCacheOptions {
  /** @default 1000 */
  maxDocuments?: number;
  /** Total text length of the documents kept, in UTF-16 code units. @default 4 MiB */
  maxChars?: number;
}

export interface DocumentCacheStats {
  /** Documents parsed and kept. */
  parsed: number;
  /** Requests whose document was found parsed. */
  hits: number;
  /** Apollo asked for a document the pipeline had not validated against its schema (Apollo then parsed it). */
  apolloMisses: number;
}

export class DocumentCache {
  private readonly entries = new Map<string, CachedDocument>();
  /** By document node: kept exactly as long as the document is. */
  private readonly validations = new WeakMap<DocumentNode, Validation>();
  private chars = 0;
  private readonly maxDocuments: number;
  private readonly maxChars: number;
  readonly stats: DocumentCacheStats = { parsed: 0, hits: 0, apolloMisses: 0 };

  constructor(options: DocumentCacheOptions = {}) {
    this.maxDocuments = options.maxDocuments ?? 1000;
    this.maxChars = options.maxChars ?? 4 * 1024 * 1024;
  }

  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  /** The parsed document of a hash, now the most recently used. */
  get(hash: string): CachedDocument | undefined {
    const entry = this.entries.get(hash);
    if (entry) {
      this.stats.hits++;
      this.entries.delete(hash);
      this.entries.set(hash, entry);
    }
    return entry;
  }

  /** Keeps a parsed document (one larger than the whole budget is used for its request only). */
  add(hash: string, text: string, document: DocumentNode): CachedDocument {
    const entry: CachedDocument = { document, chars: text.length };
    this.stats.parsed++;
    if (entry.chars > this.maxChars) return entry;
    const previous = this.entries.get(hash);
    if (previous) this.chars -= previous.chars;
    this.entries.set(hash, entry);
    this.chars += entry.chars;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.maxDocuments && this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= old.chars;
    }
    return entry;
  }

  /** What validating `document` against `schema` found, if it was. */
  validationOf(document: DocumentNode, schema: object): readonly GraphQLError[] | undefined {
    const validation = this.validations.get(document);
    return validation?.schema === schema ? validation.errors : undefined;
  }

  /** Remembers what validating `document` against `schema` found (replacing what an older schema found). */
  validated(document: DocumentNode, schema: object, errors: readonly GraphQLError[]): void {
    this.validations.set(document, { schema, errors });
  }

  /** Documents kept now, and their total text length. */
  get size(): { documents: number; chars: number } {
    return { documents: this.entries.size, chars: this.chars };
  }

  /** Apollo Server's `documentStore`: the documents validated against `currentSchema()`, read-only. */
  apolloDocumentStore(currentSchema: () => object | undefined): ApolloDocumentStore {
    return {
      get: async (key) => {
        const entry = this.entries.get(key.slice(key.lastIndexOf(':') + 1));
        const schema = currentSchema();
        if (entry && schema && this.validationOf(entry.document, schema)?.length === 0) return entry.document;
        this.stats.apolloMisses++;
        return undefined;
      },
      // What Apollo parses itself is for that request only: the pipeline decides what is kept.
      set: async () => {},
      delete: async () => false,
    };
  }
}

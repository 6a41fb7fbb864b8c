/** A request running an operation with fields removed (removed-fields.ts) instead of the one it sent. */
import { createHash } from 'node:crypto';
import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { DocumentCache } from './document-cache.js';
import type { RequestWith } from './gateway-request.js';
import type { FilteredOperation } from './removed-fields.js';

/**
 * Makes `request` run `filtered` instead of its document: its text and hash (so plans, caches and merged
 * requests key on what runs), its removed fields kept for the answer. The filtered document is a valid
 * document for `schema` (fields removed from a valid one) and is handed to Apollo as validated.
 */
export function runFiltered(
  request: RequestWith<'document' | 'operation'>,
  filtered: FilteredOperation,
  documents: DocumentCache,
  schema: GraphQLSchema,
): void {
  const hash = createHash('sha256').update(filtered.text).digest('hex');
  // Another request may have kept the same text already: its parsed document is the one Apollo reads.
  const { document } = documents.get(hash) ?? documents.add(hash, filtered.text, filtered.document);
  if (!documents.validationOf(document, schema)) documents.validated(document, schema, []);
  request.document = { text: filtered.text, hash };
  request.operation = { document, operation: document === filtered.document ? filtered.operation : (document.definitions[0] as OperationDefinitionNode) };
  const earlier = request.removed;
  request.removed = { fields: [...(earlier?.fields ?? []), ...filtered.removed], empty: filtered.empty, retryAfterSeconds: earlier?.retryAfterSeconds };
}

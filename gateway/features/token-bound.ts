/**
 * The token bound: the first thing done with a document's text, before anything parses it whole. The
 * lexer counts tokens and stops one past the limit, so a 750 KB query of 150,000 tokens costs a thousand
 * tokens' reading, and is refused QUERY_TOO_LARGE (HTTP 400). A document already parsed (and so already
 * bounded) is not counted again.
 */
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { defineFeature } from '../pipeline/feature.js';
import type { DocumentCache } from '../pipeline/document-cache.js';

export const tokenBound = (maxTokens: number, documents: DocumentCache) =>
  defineFeature({
    name: 'token-bound',
    needs: ['document'],
    admit(request) {
      const { text, hash } = request.document;
      if (!documents.has(hash) && exceedsTokens(text, maxTokens)) {
        throw new HttpError(400, 'QUERY_TOO_LARGE', `The query has more than ${maxTokens} tokens.`);
      }
    },
  });

/**
 * Whether `text` has more than `max` tokens (comments do not count, as in graphql-js `maxTokens`). Reads
 * at most `max + 1` tokens. Text that stops lexing first is not over the limit: parsing reports its error.
 */
export function exceedsTokens(text: string, max: number): boolean {
  const lexer = new Lexer(new Source(text));
  try {
    for (let count = 1; lexer.advance().kind !== TokenKind.EOF; count++) if (count > max) return true;
  } catch (error) {
    if (error instanceof GraphQLError) return false;
    throw error;
  }
  return false;
}

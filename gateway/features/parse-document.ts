/**
 * Parses the document that will run, once per sha256 (pipeline/document-cache.ts), and picks the
 * operation in it that will run. Refused here, as Apollo Server would refuse them: a syntax error
 * (400 GRAPHQL_PARSE_FAILED, with locations), an operation name the document lacks or a document with
 * several operations and no name (400 OPERATION_RESOLUTION_FAILURE), anything but a query by GET
 * (405, Allow: POST). Every later step reads `request.operation`.
 */
import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { Headers } from '../../platform/headers.js';
import { defineFeature } from '../pipeline/feature.js';
import type { DocumentCache } from '../pipeline/document-cache.js';
import { GraphQLRefusal } from '../pipeline/refusal.js';

export const parseDocument = (documents: DocumentCache, maxTokens: number) =>
  defineFeature({
    name: 'parse-document',
    needs: ['params', 'document'],
    provides: ['operation'],
    admit(request) {
      const { text, hash } = request.document;
      const document = (documents.get(hash) ?? documents.add(hash, text, parseOrRefuse(text, maxTokens))).document;
      const operation = operationToRun(document, request.params.operationName);
      if (request.params.method === 'GET' && operation.operation !== 'query') {
        throw new HttpError(
          405,
          'BAD_REQUEST',
          `GET requests only support query operations, not ${operation.operation} operations`,
          {},
          {
            [Headers.allow]: 'POST',
          },
        );
      }
      request.operation = { document, operation };
    },
  });

function parseOrRefuse(text: string, maxTokens: number): DocumentNode {
  try {
    return parse(text, { maxTokens });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // The token bound ran first; graphql-js says this only by message ("Document contains more that N tokens").
    if (/\d+ tokens\. Parsing aborted/.test(error.message)) throw new HttpError(400, 'QUERY_TOO_LARGE', `The query has more than ${maxTokens} tokens.`);
    throw new GraphQLRefusal(400, 'GRAPHQL_PARSE_FAILED', [
      { message: error.message, locations: error.locations, extensions: { code: 'GRAPHQL_PARSE_FAILED' } },
    ]);
  }
}

/** The operation `operationName` selects (graphql-js `getOperationAST`, with its messages when there is none). */
export function operationToRun(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  let found: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName === undefined) {
      if (found) throw unresolved('Must provide operation name if query contains multiple operations.');
      found = definition;
    } else if (definition.name?.value === operationName) {
      return definition;
    }
  }
  if (found) return found;
  throw unresolved(operationName === undefined ? 'Must provide an operation.' : `Unknown operation named "${operationName}".`);
}

const unresolved = (message: string) => new HttpError(400, 'OPERATION_RESOLUTION_FAILURE', message);

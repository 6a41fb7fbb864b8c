/**
 * Which codes the platform's own servers (the gateway, the identity subgraph) show clients: registered
 * codes and GraphQL's own request errors. The kit's `maskingFormatter` and `maskedErrorLogging` apply the
 * rule; anything else reaches a client only as a bare INTERNAL_SERVER_ERROR and is logged with its request id.
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { ErrorCodes } from '../errors.js';
import type { Logger } from '../logger.js';

const GRAPHQL_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'DOWNSTREAM_SERVICE_ERROR',
]);

/** Codes whose messages are written for clients. INTERNAL_SERVER_ERROR never is: Apollo uses it for failures that name URLs. */
export function isPublicCode(code: unknown): boolean {
  return typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && (code in ErrorCodes || GRAPHQL_REQUEST_CODES.has(code));
}

/**
 * A subgraph that fails costs every request its fields: its SUBGRAPH_UNAVAILABLE is public, but the
 * operator must hear of it, with the request's id.
 */
export function subgraphOutageLogging<TContext extends { requestId: string; traceId?: string }>(logger: Logger): ApolloServerPlugin<TContext> {
  // One listener for every request: nothing is allocated per request unless an error is logged.
  const listener: GraphQLRequestListener<TContext> = {
    async didEncounterErrors({ contextValue, errors }) {
      for (const error of errors) {
        if (error.extensions?.code !== 'SUBGRAPH_UNAVAILABLE') continue;
        logger.warn(
          { requestId: contextValue.requestId, traceId: contextValue.traceId, subgraph: error.extensions.subgraph, path: error.path },
          'subgraph unavailable',
        );
      }
    },
  };
  return { requestDidStart: async () => listener };
}

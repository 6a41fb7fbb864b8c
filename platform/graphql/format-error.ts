/**
 * Error masking shared by every server: registered codes and GraphQL's own request errors pass through;
 * anything unexpected is replaced by a generic INTERNAL_SERVER_ERROR, so stacks, URLs and data never
 * reach a client. The masked error is logged by `maskedErrorLogging` with the request's id (the
 * formatter sees no request, the plugin does).
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
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

/** Apollo's `formatError`: public errors lose their stack trace, every other error is masked. */
export function createErrorFormatter() {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (isPublicCode(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** What a request's log lines carry so an operator can find every line of one request. */
export interface RequestLogIds {
  requestId: string;
  /** The W3C trace id when tracing is on. */
  traceId?: string;
}

/**
 * Logs each error the formatter will mask, with the request's ids, so the operator can find what the
 * client only saw as INTERNAL_SERVER_ERROR (the client has the same id in `x-request-id`).
 */
export function maskedErrorLogging<TContext extends RequestLogIds>(logger: Logger): ApolloServerPlugin<TContext> {
  // One listener for every request: nothing is allocated per request unless an error is logged.
  const listener: GraphQLRequestListener<TContext> = {
    async didEncounterErrors({ contextValue, errors }) {
      for (const error of errors) {
        if (isPublicCode(error.extensions?.code)) continue;
        logger.error(
          { requestId: contextValue.requestId, traceId: contextValue.traceId, err: error.originalError ?? error, path: error.path },
          'unexpected error masked for the client',
        );
      }
    },
  };
  return { requestDidStart: async () => listener };
}

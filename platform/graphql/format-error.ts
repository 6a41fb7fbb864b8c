/**
 * Error masking shared by every server: registered codes and GraphQL's own request errors pass through;
 * anything unexpected is logged with the request id and replaced by a generic INTERNAL_SERVER_ERROR, so
 * stacks, URLs and data never reach a client.
 */
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

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (isPublicCode(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    logger.error({ err: error, path: formatted.path }, 'unexpected error masked for the client');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/**
 * Errors a subgraph shows its clients. A resolver that throws a `SubgraphError` (or any GraphQLError with
 * an `extensions.code`) means the message for the client; anything else is an accident, logged with the
 * request id and answered as a bare INTERNAL_SERVER_ERROR, so stacks, URLs and data never leave.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { SubgraphLogger } from './logger.js';

/** The code the kit reports when a resolver needs the viewer's OpenID and the platform has none linked. */
export const MERCHANT_IDENTITY_NOT_LINKED = 'MERCHANT_IDENTITY_NOT_LINKED';
/** The code of the kit's 401 for a missing, forged, stale or misdirected identity. */
export const IDENTITY_SIGNATURE_INVALID = 'IDENTITY_SIGNATURE_INVALID';

/**
 * A client-facing error: `extensions.code` is the contract, the message is for people. Extensions must
 * never hold secrets or OpenIDs. (The platform's gateway passes only the codes registered with it.)
 * @example throw new SubgraphError('OUT_OF_STOCK', 'This coupon has run out.');
 */
export class SubgraphError extends GraphQLError {
  constructor(
    readonly code: string,
    message: string,
    extensions: Record<string, string | number | boolean> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
  }
}

// Request errors Apollo Server raises itself: written for clients, but not always wrapping a GraphQLError.
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE']);

/** The kit's default `formatError`: deliberate errors pass (without stack traces), the rest are masked. */
export function maskUnexpectedErrors(logger: SubgraphLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const deliberate = unwrapResolverError(error) instanceof GraphQLError || REQUEST_CODES.has(String(code));
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && deliberate) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    logger.error({ err: error, path: formatted.path }, 'unexpected error masked for the client');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

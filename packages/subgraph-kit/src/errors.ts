/**
 * Errors a subgraph shows its clients. A resolver that throws a `SubgraphError` (or any GraphQLError with
 * an `extensions.code`) means the message for the client; anything else is an accident, logged with the
 * request id and answered as a bare INTERNAL_SERVER_ERROR, so stacks, URLs and data never leave.
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { SubgraphLogger } from './logger.js';

/** The code the kit reports when a resolver needs the viewer's OpenID and the platform has none linked. */
export const MERCHANT_IDENTITY_NOT_LINKED = 'MERCHANT_IDENTITY_NOT_LINKED';
/** The code the kit reports when the viewer is linked but has not consented to the platform providing the OpenID. */
export const CONSENT_REQUIRED = 'CONSENT_REQUIRED';
/** The code of the kit's 401 for a missing, forged, stale or misdirected identity. */
export const IDENTITY_SIGNATURE_INVALID = 'IDENTITY_SIGNATURE_INVALID';
/** The message of every identity refusal, over HTTP and over a socket; the reason goes to the log only. */
export const IDENTITY_REFUSAL_MESSAGE = 'The injected identity is missing, forged or stale.';

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

/** Decides from an error's `extensions.code` and the error itself whether clients may see it. */
export type PublicErrorRule = (code: unknown, error: unknown) => boolean;

/** The kit's default: deliberate errors (a GraphQLError with a code, thrown by your code or Apollo's request checks). */
export const deliberateErrors: PublicErrorRule = (code, error) =>
  typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && (unwrapResolverError(error) instanceof GraphQLError || REQUEST_CODES.has(code));

/** Apollo's `formatError`: public errors lose their stack trace, every other error is masked. */
export function maskingFormatter(isPublic: PublicErrorRule) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (isPublic(formatted.extensions?.code, error)) {
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

/** Logs each error the formatter will mask, with the request's ids (the client sees the same id in `x-request-id`). */
export function maskedErrorLogging<TContext extends RequestLogIds>(logger: SubgraphLogger, isPublic: PublicErrorRule): ApolloServerPlugin<TContext> {
  const listener: GraphQLRequestListener<TContext> = {
    async didEncounterErrors({ contextValue, errors }) {
      for (const error of errors) {
        if (isPublic(error.extensions?.code, error)) continue;
        logger.error(
          { requestId: contextValue.requestId, traceId: contextValue.traceId, err: error.originalError ?? error, path: error.path },
          'unexpected error masked for the client',
        );
      }
    },
  };
  return { requestDidStart: async () => listener };
}

/**
 * What a subscription's messages show of errors: the HTTP answers' public-error rule applied to the
 * errors of `next` and `error` payloads, and the subscribes the kit refuses before running them.
 */
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError, type ParseOptions, type Source } from 'graphql';
import { IDENTITY_REFUSAL_MESSAGE, IDENTITY_SIGNATURE_INVALID, maskingFormatter, type PublicErrorRule } from './errors.js';

/** The `error` payload of a subscription whose identity is missing, forged or stale (the same for every reason). */
export const IDENTITY_REFUSAL: readonly GraphQLFormattedError[] = [{ message: IDENTITY_REFUSAL_MESSAGE, extensions: { code: IDENTITY_SIGNATURE_INVALID } }];

/**
 * A subscribe the kit answers with an `error` message instead of running it. Thrown, not returned to
 * graphql-ws: graphql-ws takes errors back from `onSubscribe` only as instances of its own copy of
 * graphql, and a bundler may give the kit another copy (Vite gives it graphql's ESM build).
 */
export class SubscribeRefused extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors[0]?.message);
  }
}

/** graphql's `parse`, with a syntax error refused as over HTTP (`GRAPHQL_PARSE_FAILED`) instead of failing the socket. */
export function parseOrRefuse(source: string | Source, options?: ParseOptions): DocumentNode {
  try {
    return parse(source, options);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    throw new SubscribeRefused([{ ...error.toJSON(), extensions: { code: ApolloServerErrorCode.GRAPHQL_PARSE_FAILED } }]);
  }
}

export interface PublicErrorOptions {
  isPublic: PublicErrorRule;
  /**
   * The code of errors graphql-js raises about the request itself, which carry none and wrap no thrown
   * error: `GRAPHQL_VALIDATION_FAILED` before execution (validation, no operation to run), `BAD_USER_INPUT`
   * in results (variables that do not fit), as Apollo Server codes them over HTTP.
   */
  requestErrorCode: string;
  /** Told about each error that is masked (an accident: logged, never shown). */
  masked(error: GraphQLError): void;
}

/** Errors as clients may see them: public ones without a stack, every other one masked as `INTERNAL_SERVER_ERROR`. */
export function publicErrors(errors: readonly GraphQLError[], options: PublicErrorOptions): GraphQLFormattedError[] {
  const format = maskingFormatter(options.isPublic);
  return errors.map((error) => {
    const formatted = error.toJSON();
    const code = formatted.extensions?.code ?? (error.originalError ? undefined : options.requestErrorCode);
    // A resolver's error keeps its path and is judged as Apollo judges it; one thrown by the event stream
    // itself reaches here wrapped without a path, so the rule sees what was thrown.
    const cause = error.path || !error.originalError ? error : error.originalError;
    if (!options.isPublic(code, cause)) options.masked(error);
    return format({ ...formatted, extensions: { ...formatted.extensions, code } }, cause);
  });
}

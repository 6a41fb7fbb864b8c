/**
 * How a step refuses a request: it throws, and the pipeline answers with a GraphQL error response at
 * once (nothing after that step runs). A step throws the kit's `HttpError` (one error with a code, a
 * status and headers such as Retry-After) or a `GraphQLRefusal` (GraphQL's own errors, with locations:
 * a document that does not parse or validate).
 */
import { HeaderMap } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { Headers } from '../../platform/headers.js';
import { responseMediaType } from './media-types.js';
import type { GatewayRequest, GatewayResponse } from './gateway-request.js';

/** A refusal carrying GraphQL errors as GraphQL reports them. */
export class GraphQLRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly errors: readonly GraphQLFormattedError[],
  ) {
    super(errors[0]?.message ?? code);
  }
}

/** The answer to a refused request, or undefined when `error` is not a refusal (a bug: the edge answers 500). */
export function refusalResponse(error: unknown, request: GatewayRequest): GatewayResponse | undefined {
  let status: number;
  let errors: readonly GraphQLFormattedError[];
  let codes: readonly string[];
  const headers = new HeaderMap();
  if (error instanceof GraphQLRefusal) {
    ({ status, errors } = error);
    codes = [error.code];
  } else if (error instanceof HttpError) {
    status = error.status;
    errors = [{ message: error.message, extensions: { ...error.extensions, code: error.code } }];
    codes = [error.code];
    for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  } else {
    return undefined;
  }
  headers.set(Headers.contentType, responseMediaType(request.http.headers[Headers.accept]));
  return { status, headers, body: { kind: 'complete', string: JSON.stringify({ errors }) }, refusedWith: codes };
}

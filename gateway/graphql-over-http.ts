/**
 * GraphQL over HTTP status codes for legacy `application/json` clients. Apollo Server answers a document
 * that does not parse, does not validate, or whose variables do not coerce with HTTP 400 whatever the
 * client accepts; the spec says a client that accepts only `application/json` (not
 * `application/graphql-response+json`) SHOULD get 200 with the errors in the body, because such a client
 * may treat any non-200 as a transport failure. Clients that accept the new media type keep the 4xx.
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';

/** Errors about the request's document or variables, raised before execution. */
const DOCUMENT_ERROR_CODES = new Set<unknown>(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/** Whether the client asked for `application/json` and not for `application/graphql-response+json`. */
export function acceptsOnlyLegacyJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';', 1)[0]!.trim().toLowerCase());
  return types.includes('application/json') && !types.includes('application/graphql-response+json');
}

/** Apollo plugin: 400 → 200 for document errors answered as `application/json` to clients that asked for it. */
export function legacyJsonStatusCodes(): ApolloServerPlugin {
  const listener: GraphQLRequestListener<never> = {
    async willSendResponse({ request, response, errors }) {
      if (response.http.status !== 400 || !errors?.length) return;
      if (!errors.every((error) => DOCUMENT_ERROR_CODES.has(error.extensions?.code))) return;
      if (acceptsOnlyLegacyJson(request.http?.headers.get('accept'))) response.http.status = 200;
    },
  };
  return { requestDidStart: async () => listener };
}

/**
 * GraphQL over HTTP status codes for legacy `application/json` clients. A document that does not parse
 * or validate, or whose variables do not coerce, is answered with HTTP 400 whatever the client accepts;
 * the spec says a client that accepts only `application/json` (not `application/graphql-response+json`)
 * SHOULD get 200 with the errors in the body, because such a client may treat any non-200 as a transport
 * failure. Clients that accept the new media type keep the 4xx. Applies alike to the documents the
 * pipeline refuses (parse-document.ts, validate-document.ts) and to what Apollo refuses (variables).
 */
import type { GraphQLRequestListener } from '@apollo/server';
import { Headers } from '../../platform/headers.js';
import { defineFeature } from '../pipeline/feature.js';
import { acceptsOnlyLegacyJson } from '../pipeline/media-types.js';

/** Errors about the request's document or variables, raised before execution. */
const DOCUMENT_ERROR_CODES = new Set<unknown>(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

export const graphqlOverHttp = () => {
  const listener: GraphQLRequestListener<never> = {
    async willSendResponse({ request, response, errors }) {
      if (response.http.status !== 400 || !errors?.length) return;
      if (!errors.every((error) => DOCUMENT_ERROR_CODES.has(error.extensions?.code))) return;
      if (acceptsOnlyLegacyJson(request.http?.headers.get(Headers.accept))) response.http.status = 200;
    },
  };
  return defineFeature({
    name: 'graphql-over-http',
    respond(request, response) {
      const refused = response.refusedWith;
      if (response.status === 400 && refused?.every((code) => DOCUMENT_ERROR_CODES.has(code)) && acceptsOnlyLegacyJson(request.http.headers[Headers.accept])) {
        response.status = 200;
      }
    },
    apollo: { requestDidStart: async () => listener },
  });
};

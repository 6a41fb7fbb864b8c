/**
 * The end of the pipeline: the admitted request runs in Apollo Server, which plans it with
 * @apollo/gateway and answers in GraphQL over HTTP. Apollo is given the document the pipeline resolved,
 * as text (never the hash the client named it by, which Apollo would resolve on its own), and reads the
 * parsed, validated document from the pipeline's cache instead of parsing it again.
 */
import type { ApolloServer } from '@apollo/server';
import { apolloRequestOf } from '@identity-federation-gateway/subgraph-kit';
import { buildGatewayContext, type GatewayContext, type PeekableDirectory } from '../gateway-context.js';
import type { RequestWith } from './gateway-request.js';
import type { Execution } from './pipeline.js';

export function apolloExecution(apollo: ApolloServer<GatewayContext>, directory: PeekableDirectory | undefined): Execution<'params' | 'document' | 'viewer'> {
  return {
    needs: ['params', 'document', 'viewer'],
    async run(request) {
      const context = buildGatewayContext(request.http.requestId, request.viewer, directory);
      const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: apolloRequest(request), context: async () => context });
      return { status: response.status ?? 200, headers: response.headers, body: response.body };
    },
  };
}

/** The request as Apollo reads it: the resolved text in `query`, nothing naming a hash. */
function apolloRequest({ http, params, document }: RequestWith<'params' | 'document'>) {
  const { operationName, variables, extensions } = params;
  if (params.method === 'POST') {
    // Absent, not undefined: Apollo refuses an `extensions` or `variables` key that is not an object.
    const body: Record<string, unknown> = { query: document.text };
    if (operationName !== undefined) body.operationName = operationName;
    if (variables !== undefined) body.variables = variables;
    if (extensions !== undefined) body.extensions = extensions;
    return apolloRequestOf(http, body);
  }
  // A GET that sent its text runs as sent; one that named a hash gets the text in its place.
  if (params.hash === undefined) return apolloRequestOf(http);
  const search = new URLSearchParams({ query: document.text });
  if (operationName !== undefined) search.set('operationName', operationName);
  if (variables !== undefined) search.set('variables', JSON.stringify(variables));
  if (extensions !== undefined) search.set('extensions', JSON.stringify(extensions));
  return apolloRequestOf(http, undefined, `?${search}`);
}

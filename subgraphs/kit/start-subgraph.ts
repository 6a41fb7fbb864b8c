/**
 * How every subgraph of this platform is served: a federation subgraph schema on Apollo Server behind
 * the shared HTTP edge, with the gateway's injected identity verified before any resolver runs.
 * A forged, stale or unsigned identity is answered 401 and never reaches the resolvers.
 */
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import { createErrorFormatter, maskedErrorLogging, type RequestLogIds } from '../../platform/graphql/format-error.js';
import { HttpError } from './http-error.js';
import { startGraphQLHttpServer, type RawRoute, type RunningHttpServer } from './graphql-http-server.js';
import { identityKey, verifyIdentity, type IdentityClaims } from './identity-assertion.js';
import type { Logger } from '../../platform/logger.js';

export interface SubgraphOptions<TContext extends BaseContext> {
  /** The subgraph's name in the platform config (what its identity claims are addressed to). */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  /** The secret shared with the gateway for this subgraph. */
  identitySecret: string;
  /** Builds the resolvers' context from the verified identity (undefined: anonymous). */
  context(identity: IdentityClaims | undefined, requestId: string): Promise<TContext> | TContext;
  logger: Logger;
  host?: string;
  port?: number;
  routes?: RawRoute[];
  /** More Apollo Server plugins (the identity subgraph reports new sessions through one). */
  plugins?: ApolloServerPlugin<TContext>[];
}

export async function startSubgraph<TContext extends BaseContext & RequestLogIds>(options: SubgraphOptions<TContext>): Promise<RunningHttpServer> {
  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }),
    formatError: createErrorFormatter(),
    includeStacktraceInErrorResponses: false,
    // The process runner owns termination signals; Apollo's own handlers would race it and stall stop().
    stopOnTerminationSignals: false,
    // Federated traces would tell any caller how long each resolver took; this platform reports none.
    // No landing page: Apollo's loads from its CDN.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginLandingPageDisabled(), maskedErrorLogging(options.logger), ...(options.plugins ?? [])],
  });
  await apollo.start();
  const key = identityKey(options.identitySecret);
  return startGraphQLHttpServer({
    apollo,
    host: options.host,
    port: options.port,
    routes: [...(options.routes ?? []), { method: 'GET', path: '/healthz', handle: (_req, res) => void res.writeHead(200).end('ok') }],
    onError: (error, requestId) => options.logger.error({ err: error, requestId }, 'request failed outside GraphQL'),
    context: async (req) => {
      const verified = verifyIdentity(key, options.name, req);
      const { requestId } = req;
      if (!verified.ok) {
        options.logger.warn({ requestId, reason: verified.reason }, 'refused an injected identity');
        throw new HttpError(401, 'IDENTITY_SIGNATURE_INVALID', 'The injected identity is missing, forged or stale.');
      }
      return options.context(verified.claims, requestId);
    },
  });
}

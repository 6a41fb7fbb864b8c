/**
 * Starts a merchant team's subgraph: their schema, resolvers and store, with the verified viewer in
 * the context. A merchant subgraph only ever learns its own OpenID of the viewer.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import type { RunningHttpServer } from './graphql-http-server.js';
import type { Logger } from '../../platform/logger.js';
import { MerchantViewer, type MerchantContext } from './merchant-viewer.js';
import { startSubgraph } from './start-subgraph.js';

export interface MerchantServiceOptions<TContext extends MerchantContext> {
  merchantId: string;
  subgraphName: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  identitySecret: string;
  /** Adds the merchant's own per-request state (stores, loaders) to the base context. */
  extendContext(base: MerchantContext): TContext;
  logger: Logger;
  host?: string;
  port?: number;
}

export function startMerchantService<TContext extends MerchantContext>(options: MerchantServiceOptions<TContext>): Promise<RunningHttpServer> {
  return startSubgraph<TContext>({
    name: options.subgraphName,
    typeDefs: options.typeDefs,
    resolvers: options.resolvers,
    identitySecret: options.identitySecret,
    logger: options.logger,
    host: options.host,
    port: options.port,
    context: (claims, requestId) => options.extendContext({ viewer: MerchantViewer.fromClaims(options.merchantId, claims), requestId }),
  });
}

/**
 * Starts a merchant team's subgraph: their schema, resolvers and store, with the verified viewer in
 * the context. A merchant subgraph only ever learns its own OpenID of the viewer.
 */
import type { DocumentNode } from 'graphql';
import type { RunningHttpServer, ServerSpan } from './graphql-http-server.js';
import type { RawRoute } from './raw-route.js';
import type { SubgraphLogger } from './logger.js';
import { databaseCheck, type PingableConnection } from './health.js';
import { MerchantViewer, type MerchantContext } from './merchant-viewer.js';
import type { ResolverMap } from './resolver-map.js';
import { startSubgraph } from './start-subgraph.js';
import type { SubscriptionSocketSettings } from './subscription-sockets.js';

export interface MerchantServiceOptions<TContext extends MerchantContext> {
  merchantId: string;
  subgraphName: string;
  typeDefs: DocumentNode;
  resolvers: ResolverMap<TContext>;
  /** Shared with the gateway; during a rotation `[current, previous]`. */
  identitySecret: string | readonly string[];
  /** Adds the merchant's own per-request state (stores, loaders) to the base context. */
  extendContext(base: MerchantContext): TContext;
  logger: SubgraphLogger;
  /** The merchant's database: /readyz says not ready while it does not answer. */
  connection?: PingableConnection;
  host?: string;
  port?: number;
  /** Traces each request. @default no tracing */
  serverSpan?: ServerSpan;
  /** More HTTP routes beside /graphql, e.g. `erasureNoticeRoute`. */
  routes?: RawRoute[];
  /**
   * Bounds of the subscription sockets; `false` serves none.
   * @default served with the default bounds when the schema has a Subscription type
   */
  subscriptions?: SubscriptionSocketSettings | false;
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
    serverSpan: options.serverSpan,
    routes: options.routes,
    subscriptions: options.subscriptions,
    readiness: options.connection ? [databaseCheck('database', options.connection)] : [],
    context: (claims, requestId) => options.extendContext({ viewer: MerchantViewer.fromClaims(options.merchantId, claims), requestId }),
  });
}

/** Wires ACME's coupons subgraph. */
import type DataLoader from 'dataloader';
import type { Connection } from 'mongoose';
import type { Logger } from '../../platform/logger.js';
import {
  erasureNoticeRoute,
  loadTypeDefs,
  startMerchantService,
  type MerchantContext,
  type RunningHttpServer,
  type ServerSpan,
} from '@identity-federation-gateway/subgraph-kit';
import { CouponEventLog } from './coupon-events.js';
import { CouponFeed, type CouponFeedOptions } from './coupon-feed.js';
import { CouponStore, type ClaimKey, type CouponDoc } from './coupon-store.js';
import { claimedLoader, couponLoader, resolvers, type CouponsContext } from './resolvers.js';

export interface CouponsServiceOptions {
  merchantId: string;
  subgraphName: string;
  connection: Connection;
  identitySecret: string | readonly string[];
  seed?: CouponDoc[];
  logger: Logger;
  host?: string;
  port?: number;
  serverSpan?: ServerSpan;
  /** How this process follows other processes' stock changes. @default poll every 100 ms without change streams, hold gaps 1 s */
  events?: CouponFeedOptions;
}

/** What every request's context shares: the process's store, feed and claim loader. */
export interface CouponsContextDeps {
  store: CouponStore;
  feed: CouponFeed;
  claimed: DataLoader<ClaimKey, boolean>;
}

/** Adds the service's own state to the kit's context (viewer, request id), for HTTP requests and subscriptions alike. */
export function couponsContext(deps: CouponsContextDeps) {
  return (base: MerchantContext): CouponsContext => ({ ...base, store: deps.store, coupons: couponLoader(deps.store), claimed: deps.claimed, feed: deps.feed });
}

export async function startCouponsService(options: CouponsServiceOptions): Promise<RunningHttpServer> {
  const log = new CouponEventLog(options.connection, options.logger);
  const store = new CouponStore(options.connection, log);
  await store.init(options.seed);
  const feed = new CouponFeed(log, async (couponId) => (await store.couponsByIds([couponId])).get(couponId), options.logger, options.events);
  const server = await startMerchantService<CouponsContext>({
    merchantId: options.merchantId,
    subgraphName: options.subgraphName,
    typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
    resolvers,
    identitySecret: options.identitySecret,
    logger: options.logger,
    host: options.host,
    port: options.port,
    serverSpan: options.serverSpan,
    connection: options.connection,
    extendContext: couponsContext({ store, feed, claimed: claimedLoader(store) }),
    // The platform's erasure notices (point merchants[].erasureWebhook at <origin>/privacy/erasure): claims go.
    routes: [
      erasureNoticeRoute({
        secret: options.identitySecret,
        merchantId: options.merchantId,
        erase: (notice) => store.forget(notice.openIds),
        logger: options.logger,
      }),
    ],
  });
  return {
    url: server.url,
    port: server.port,
    close: async (shutdown) => {
      await server.close(shutdown);
      await feed.close();
    },
  };
}

/** Wires ACME's coupons subgraph. */
import type { Connection } from 'mongoose';
import type { Logger } from '../../platform/logger.js';
import { erasureNoticeRoute, startMerchantService, loadTypeDefs, type ServerSpan } from '@identity-federation-gateway/subgraph-kit';
import { CouponStore, type CouponDoc } from './coupon-store.js';
import { couponLoader, resolvers, type CouponsContext } from './resolvers.js';

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
}

export async function startCouponsService(options: CouponsServiceOptions) {
  const store = new CouponStore(options.connection);
  await store.init(options.seed);
  return startMerchantService<CouponsContext>({
    ...options,
    typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
    resolvers,
    extendContext: (base) => ({ ...base, store, coupons: couponLoader(store) }),
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
}

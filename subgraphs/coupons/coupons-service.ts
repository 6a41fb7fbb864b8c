/** Wires ACME's coupons subgraph. */
import type { Connection } from 'mongoose';
import type { Logger } from '../../platform/logger.js';
import { startMerchantService } from '../kit/merchant-service.js';
import { loadTypeDefs } from '../kit/schema-file.js';
import { CouponStore, type CouponDoc } from './coupon-store.js';
import { couponLoader, resolvers, type CouponsContext } from './resolvers.js';

export interface CouponsServiceOptions {
  merchantId: string;
  subgraphName: string;
  connection: Connection;
  identitySecret: string;
  seed?: CouponDoc[];
  logger: Logger;
  host?: string;
  port?: number;
}

export async function startCouponsService(options: CouponsServiceOptions) {
  const store = new CouponStore(options.connection);
  await store.init(options.seed);
  return startMerchantService<CouponsContext>({
    ...options,
    typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
    resolvers,
    extendContext: (base) => ({ ...base, store, coupons: couponLoader(store) }),
  });
}

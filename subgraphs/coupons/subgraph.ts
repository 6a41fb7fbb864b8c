/** ACME's coupons subgraph as the platform runs it (found by config: the folder of its schema.graphql). */
import { defineMerchantSubgraph } from '../merchant-process/merchant-subgraph.js';
import { DEMO_COUPONS } from './coupon-store.js';
import { startCouponsService } from './coupons-service.js';

export default defineMerchantSubgraph({ defaultDatabase: 'acme_coupons', demoSeed: DEMO_COUPONS, start: startCouponsService });

/** `npm run start:coupons`: ACME's coupons subgraph as its own process, with its own database. */
import { runMerchantProcess } from '../../platform/process/run-merchant-process.js';
import { startCouponsService } from './coupons-service.js';
import { DEMO_COUPONS } from './coupon-store.js';

await runMerchantProcess(
  'coupons',
  'acme_coupons',
  (env) => env.COUPONS_PORT,
  (options) => startCouponsService({ ...options, seed: DEMO_COUPONS }),
);

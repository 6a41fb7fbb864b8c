/** `npm run start:products`: Bob's products subgraph as its own process, with its own database. */
import { runMerchantProcess } from '../../platform/process/run-merchant-process.js';
import { DEMO_PRODUCTS } from './product-store.js';
import { startProductsService } from './products-service.js';

await runMerchantProcess(
  'products',
  'bobs_products',
  (env) => env.PRODUCTS_PORT,
  (options) => startProductsService({ ...options, seed: DEMO_PRODUCTS }),
);

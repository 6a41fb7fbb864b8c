/** Bob's products subgraph as the platform runs it (found by config: the folder of its schema.graphql). */
import { defineMerchantSubgraph } from '../merchant-process/merchant-subgraph.js';
import { DEMO_PRODUCTS } from './product-store.js';
import { startProductsService } from './products-service.js';

export default defineMerchantSubgraph({ defaultDatabase: 'bobs_products', demoSeed: DEMO_PRODUCTS, start: startProductsService });

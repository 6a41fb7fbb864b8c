/** Wires Bob's products subgraph. */
import type { Connection } from 'mongoose';
import type { Logger } from '../../platform/logger.js';
import { startMerchantService, loadTypeDefs, type ServerSpan } from '@identity-federation-gateway/subgraph-kit';
import { ProductStore, type ProductDoc } from './product-store.js';
import { productLoader, resolvers, type ProductsContext } from './resolvers.js';

export interface ProductsServiceOptions {
  merchantId: string;
  subgraphName: string;
  connection: Connection;
  identitySecret: string | readonly string[];
  seed?: ProductDoc[];
  logger: Logger;
  host?: string;
  port?: number;
  serverSpan?: ServerSpan;
}

export async function startProductsService(options: ProductsServiceOptions) {
  const store = new ProductStore(options.connection);
  await store.init(options.seed);
  return startMerchantService<ProductsContext>({
    ...options,
    typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
    resolvers,
    extendContext: (base) => ({ ...base, store, products: productLoader(store) }),
  });
}

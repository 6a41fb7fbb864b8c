/** `npm run start:products`: the products subgraph as its own process, with its own database. */
import { runService } from '../../platform/process/run-service.js';
import { connectDatabase, platformFrom, subgraphSecret } from '../../platform/process/service-setup.js';
import { startProductsService } from './products-service.js';
import { DEMO_PRODUCTS } from './product-store.js';

await runService('products', async (env, logger) => {
  const platform = platformFrom(env);
  const merchant = platform.merchantBySubgraph('products');
  if (!merchant) throw new Error('no merchant owns the products subgraph in the platform config');
  const connection = await connectDatabase(env, 'bobs_products');
  const server = await startProductsService({
    merchantId: merchant.id,
    subgraphName: 'products',
    connection,
    identitySecret: subgraphSecret(env, platform, 'products'),
    seed: DEMO_PRODUCTS,
    logger,
    host: env.HOST,
    port: env.PORT ?? env.PRODUCTS_PORT,
  });
  logger.info({ url: server.url, merchant: merchant.id }, 'products subgraph ready');
  return {
    close: async () => {
      await server.close();
      await connection.close();
    },
  };
});

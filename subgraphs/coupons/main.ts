/** `npm run start:coupons`: the coupons subgraph as its own process, with its own database. */
import { runService } from '../../platform/process/run-service.js';
import { connectDatabase, platformFrom, subgraphSecret } from '../../platform/process/service-setup.js';
import { startCouponsService } from './coupons-service.js';
import { DEMO_COUPONS } from './coupon-store.js';

await runService('coupons', async (env, logger) => {
  const platform = platformFrom(env);
  const merchant = platform.merchantBySubgraph('coupons');
  if (!merchant) throw new Error('no merchant owns the coupons subgraph in the platform config');
  const connection = await connectDatabase(env, 'acme_coupons');
  const server = await startCouponsService({
    merchantId: merchant.id,
    subgraphName: 'coupons',
    connection,
    identitySecret: subgraphSecret(env, platform, 'coupons'),
    seed: DEMO_COUPONS,
    logger,
    host: env.HOST,
    port: env.PORT ?? env.COUPONS_PORT,
  });
  logger.info({ url: server.url, merchant: merchant.id }, 'coupons subgraph ready');
  return {
    close: async () => {
      await server.close();
      await connection.close();
    },
  };
});

/**
 * The process entry of any merchant subgraph (`npm run start:coupons`, the launcher's children):
 * `tsx subgraphs/merchant-process/run-merchant-process.ts <subgraph>`. Finds the subgraph in the
 * supergraph config and its merchant in the platform config, connects its own database, starts it, and
 * stops it cleanly. It lives with the subgraphs, not in platform/, because it reads the supergraph
 * config (`schema/`) and starts subgraph code: the platform layer imports neither.
 */
import { inServerSpan } from '../../platform/telemetry.js';
import { MONGODB_URI, platformChecks, subgraphSecret } from '../../platform/process/requirements.js';
import { runService } from '../../platform/process/run-service.js';
import { connectDatabase, platformFrom, subgraphPort, subgraphSecrets } from '../../platform/process/service-setup.js';
import { loadSupergraphConfig } from '../../schema/supergraph-config.js';
import { loadMerchantSubgraph } from './merchant-subgraph.js';

const subgraphName = process.argv[2];
if (!subgraphName) {
  console.error('usage: tsx subgraphs/merchant-process/run-merchant-process.ts <subgraph name>');
  process.exit(2);
}

await runService(
  subgraphName,
  async (env, logger) => {
    const platform = platformFrom(env);
    const merchant = platform.merchantBySubgraph(subgraphName);
    if (!merchant) throw new Error(`no merchant owns the ${subgraphName} subgraph in the platform config`);
    const source = loadSupergraphConfig(env.SUPERGRAPH_CONFIG).subgraphs.find((s) => s.name === subgraphName);
    if (!source) throw new Error(`the ${subgraphName} subgraph is not in ${env.SUPERGRAPH_CONFIG}`);
    const subgraph = await loadMerchantSubgraph(subgraphName, source.schemaFile);
    const connection = await connectDatabase(env, subgraph.defaultDatabase);
    const server = await subgraph.start({
      merchantId: merchant.id,
      subgraphName,
      connection,
      identitySecret: subgraphSecrets(env, platform, subgraphName),
      seed: subgraph.demoSeed,
      logger,
      host: env.HOST,
      port: env.PORT ?? subgraphPort(env, platform, subgraphName),
      serverSpan: inServerSpan,
    });
    logger.info({ url: server.url, merchant: merchant.id }, `${subgraphName} subgraph ready`);
    return {
      close: async (shutdown) => {
        await server.close(shutdown);
        await connection.close();
      },
    };
  },
  { requires: (env) => platformChecks(env, (config) => subgraphSecret(config, subgraphName), [MONGODB_URI]) },
);

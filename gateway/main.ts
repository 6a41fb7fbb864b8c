/**
 * `npm run start:gateway`. With the platform config it verifies viewers and injects identities; given
 * only SUPERGRAPH (no PLATFORM_CONFIG), it runs any Federation 2 supergraph as a plain gateway.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JWKS_PATH } from '../platform/identity/access-token.js';
import { identityModels } from '../platform/identity-store/models.js';
import { runService } from '../platform/process/run-service.js';
import { connectDatabase, platformFrom, subgraphSecret } from '../platform/process/service-setup.js';
import { startGateway, type GatewayIdentityOptions } from './gateway-server.js';
import { DisclosureLog } from './disclosure-log.js';
import { CachingIdentityDirectory } from './identity-cache.js';
import { mongoIdentityDirectory } from './identity-directory.js';
import { createViewerVerifier } from './viewer.js';

const DEFAULT_SUPERGRAPH = fileURLToPath(new URL('../schema/supergraph.graphql', import.meta.url));

await runService('gateway', async (env, logger) => {
  const supergraphSdl = readFileSync(env.SUPERGRAPH ?? DEFAULT_SUPERGRAPH, 'utf8');
  const plain = env.SUPERGRAPH !== undefined && !env.platformConfigExplicit;
  let identity: GatewayIdentityOptions | undefined;
  let closeDatabase = async () => {};
  if (!plain) {
    const platform = platformFrom(env);
    const connection = await connectDatabase(env, 'identity');
    const models = identityModels(connection);
    const cache = new CachingIdentityDirectory(mongoIdentityDirectory(models), models, logger, { pollMs: env.IDENTITY_CACHE_POLL_MS });
    await cache.start();
    const disclosures = new DisclosureLog(models, logger);
    disclosures.start();
    closeDatabase = async () => {
      cache.stop();
      await disclosures.stop();
      await connection.close();
    };
    identity = {
      platform,
      subgraphSecrets: Object.fromEntries(platform.config.subgraphs.map((s) => [s.name, subgraphSecret(env, platform, s.name)])),
      verifyViewer: createViewerVerifier(new URL(JWKS_PATH, env.IDENTITY_URL)),
      directory: cache,
      afterIdentityMutation: () => cache.refreshNow(),
      cacheStats: cache.stats,
      onDisclosed: disclosures.note,
    };
  }
  const server = await startGateway({
    supergraphSdl,
    subgraphUrls: env.SUBGRAPH_URLS,
    identity,
    logger,
    host: env.HOST,
    port: env.PORT ?? env.GATEWAY_PORT,
    dedupe: env.GATEWAY_DEDUPE,
  });
  logger.info({ url: server.url, identityInjection: !plain }, 'gateway ready');
  return {
    close: async () => {
      await server.close();
      await closeDatabase();
    },
  };
});

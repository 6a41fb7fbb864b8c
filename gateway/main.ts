/**
 * `npm run start:gateway`. With the platform config it verifies viewers and injects identities; given
 * only SUPERGRAPH or SUPERGRAPH_URL (no PLATFORM_CONFIG), it runs any Federation 2 supergraph as a plain
 * gateway. Either way the supergraph reloads without a restart when its file or URL changes.
 */
import { fileURLToPath } from 'node:url';
import { databaseCheck, type ReadinessCheck } from '@identity-federation-gateway/subgraph-kit';
import { JWKS_PATH } from '../platform/identity/access-token.js';
import { identityModels } from '../platform/identity-store/models.js';
import type { Environment } from '../platform/env.js';
import { MONGODB_URI, platformChecks, subgraphSecret as subgraphSecretRequirement, type StartupChecks } from '../platform/process/requirements.js';
import { runService } from '../platform/process/run-service.js';
import { connectDatabase, platformFrom, subgraphSecret } from '../platform/process/service-setup.js';
import { startGateway, type GatewayIdentityOptions } from './gateway-server.js';
import { GATEWAY_SETTINGS } from './gateway-settings.js';
import { DisclosureLog } from './disclosure-log.js';
import { CachingIdentityDirectory } from './identity-cache.js';
import { loadPersistedDocuments } from './features/persisted-documents.js';
import { mongoIdentityDirectory } from './identity-directory.js';
import { SessionRevocations } from './session-revocations.js';
import { jwksCheck } from './subgraph-probe.js';
import { ReloadingSupergraph } from './supergraph-source.js';
import { createViewerVerifier } from './viewer.js';

const DEFAULT_SUPERGRAPH = fileURLToPath(new URL('../schema/supergraph.graphql', import.meta.url));

/** A plain federation gateway: a supergraph given and no platform config (no viewers, no identity). */
const isPlain = (env: Environment<typeof GATEWAY_SETTINGS>) => (env.SUPERGRAPH ?? env.SUPERGRAPH_URL) !== undefined && !env.platformConfigExplicit;

/** What the gateway needs to start: with a platform config, the identity store and every subgraph's signing secret. */
function gatewayRequires(env: Environment<typeof GATEWAY_SETTINGS>): StartupChecks {
  const own = env.PERSISTED_DOCUMENTS_ONLY && !env.PERSISTED_DOCUMENTS ? ['PERSISTED_DOCUMENTS_ONLY=true needs PERSISTED_DOCUMENTS, the manifest path'] : [];
  if (isPlain(env)) return { requirements: [], problems: own };
  const checks = platformChecks(env, (config) => config.subgraphs.flatMap((s) => subgraphSecretRequirement(config, s.name)), [MONGODB_URI]);
  return { requirements: checks.requirements, problems: [...checks.problems, ...own] };
}

await runService(
  'gateway',
  async (env, logger) => {
    const manifest = env.PERSISTED_DOCUMENTS ? loadPersistedDocuments(env.PERSISTED_DOCUMENTS) : new Map<string, string>();
    const supergraphSdl = new ReloadingSupergraph({
      origin: env.SUPERGRAPH_URL ? { url: env.SUPERGRAPH_URL } : { file: env.SUPERGRAPH ?? DEFAULT_SUPERGRAPH },
      pollMs: env.SUPERGRAPH_POLL_MS,
      logger,
    });
    const plain = isPlain(env);
    let identity: GatewayIdentityOptions | undefined;
    let closeDatabase = async () => {};
    const readinessChecks: ReadinessCheck[] = [];
    if (!plain) {
      const platform = platformFrom(env);
      const connection = await connectDatabase(env, 'identity');
      const models = identityModels(connection);
      const jwksUrl = new URL(JWKS_PATH, env.IDENTITY_URL);
      readinessChecks.push(databaseCheck('identityStore', connection), jwksCheck(jwksUrl));
      const cache = new CachingIdentityDirectory(mongoIdentityDirectory(models, { timeoutMs: env.IDENTITY_LOOKUP_TIMEOUT_MS, logger }), models, logger, {
        pollMs: env.IDENTITY_CACHE_POLL_MS,
      });
      const revocations = new SessionRevocations(models, logger, { pollMs: env.IDENTITY_CACHE_POLL_MS });
      await Promise.all([cache.start(), revocations.start()]);
      const disclosures = new DisclosureLog(models, logger);
      disclosures.start();
      closeDatabase = async () => {
        cache.stop();
        revocations.stop();
        await disclosures.stop();
        await connection.close();
      };
      identity = {
        platform,
        subgraphSecrets: Object.fromEntries(platform.config.subgraphs.map((s) => [s.name, subgraphSecret(env, platform, s.name)])),
        verifyViewer: revocations.guard(createViewerVerifier(jwksUrl)),
        directory: cache,
        afterIdentityMutation: async () => void (await Promise.all([cache.refreshNow(), revocations.refreshNow()])),
        cacheStats: cache.stats,
        onDisclosed: disclosures.note,
        onSessionEnded: (listener) => void revocations.onRevoked(listener),
        onIdentitiesChanged: (listener) => void cache.onChanged(listener),
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
      subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
      subgraphTimeoutsMs: env.SUBGRAPH_TIMEOUTS_MS,
      rateLimits: {
        loginPerAddress: env.RATE_LIMIT_LOGIN_PER_ADDRESS,
        loginPerApp: env.RATE_LIMIT_LOGIN_PER_APP,
        refreshPerAddress: env.RATE_LIMIT_REFRESH_PER_ADDRESS,
      },
      clientAddressHeader: env.CLIENT_ADDRESS_HEADER,
      readiness: readinessChecks,
      persistedDocuments: { manifest, only: env.PERSISTED_DOCUMENTS_ONLY },
      queryLimits: {
        maxDepth: env.QUERY_MAX_DEPTH,
        maxAliases: env.QUERY_MAX_ALIASES,
        maxRootFields: env.QUERY_MAX_ROOT_FIELDS,
        maxTokens: env.QUERY_MAX_TOKENS,
      },
      demandControl: { mode: env.DEMAND_CONTROL_MODE, maxCost: env.DEMAND_CONTROL_MAX_COST, listSize: env.DEMAND_CONTROL_LIST_SIZE },
      fieldRateLimits: env.FIELD_RATE_LIMITS,
      csrfPrevention: env.CSRF_PREVENTION,
      production: env.NODE_ENV === 'production',
      introspection: env.GRAPHQL_INTROSPECTION,
      explorer: env.GRAPHQL_EXPLORER,
      metricsListener: env.METRICS_PORT === undefined ? undefined : { host: env.METRICS_HOST, port: env.METRICS_PORT },
      socketLimits: {
        socketsPerAddress: env.SOCKETS_PER_ADDRESS,
        subscriptionsPerSocket: env.SOCKET_MAX_SUBSCRIPTIONS,
        subscribesPerMinute: env.SOCKET_SUBSCRIBES_PER_MINUTE,
        maxMessageBytes: env.SOCKET_MAX_MESSAGE_BYTES,
        initTimeoutMs: env.SOCKET_INIT_TIMEOUT_MS,
        keepAliveMs: env.SOCKET_KEEPALIVE_MS,
      },
    });
    logger.info(
      {
        url: server.url,
        metrics: server.metricsUrl,
        identityInjection: !plain,
        persistedDocuments: manifest.size,
        persistedDocumentsOnly: env.PERSISTED_DOCUMENTS_ONLY,
      },
      'gateway ready',
    );
    return {
      close: async (shutdown) => {
        await server.close(shutdown);
        await closeDatabase();
      },
    };
  },
  { settings: GATEWAY_SETTINGS, requires: gatewayRequires },
);

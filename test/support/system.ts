/**
 * The whole platform for a test file: embedded MongoDB (or MONGODB_URI), the WeChat simulator, the
 * identity subgraph, both merchant subgraphs and the gateway, each on an ephemeral port, wired exactly
 * as `npm start` wires them. Recording proxies sit in front of the subgraphs.
 */
import mongoose, { type Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { WechatSimulator } from '../../dev/wechat/server.js';
import { CachingIdentityDirectory, type IdentityCacheStats } from '../../gateway/identity-cache.js';
import { mongoIdentityDirectory } from '../../gateway/identity-directory.js';
import { startGateway } from '../../gateway/gateway-server.js';
import { SessionRevocations } from '../../gateway/session-revocations.js';
import type { PersistedDocumentsOptions } from '../../gateway/persisted-documents.js';
import { createViewerVerifier } from '../../gateway/viewer.js';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { identityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import { startCouponsService } from '../../subgraphs/coupons/coupons-service.js';
import { DEMO_COUPONS, type CouponDoc } from '../../subgraphs/coupons/coupon-store.js';
import { startIdentityService, type IdentityService } from '../../subgraphs/identity/identity-service.js';
import { COMPONENT_EVENTS_PATH } from '../../subgraphs/identity/third-party-platform.js';
import { DEMO_PRODUCTS } from '../../subgraphs/products/product-store.js';
import { startProductsService } from '../../subgraphs/products/products-service.js';
import type { PlatformConfig } from '../../platform/config/platform-config.js';
import { APPS, DEMO_CONFIG_PATH, demoConfig, demoSecrets, loginCode, startSimulator } from './fixtures.js';
import { startTestMongo, type TestMongo } from './mongo.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';

/** For tests that start gateway OS processes: each compiles the gateway with tsx, slow on a busy machine. */
export const PROCESS_TEST_TIMEOUT_MS = 120_000;

/** The change-feed poll interval in tests: the staleness bound between two gateways. */
export const CACHE_POLL_MS = 100;

export const SUPERGRAPH_SDL = readFileSync(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)), 'utf8');

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface System {
  gatewayUrl: string;
  simulator: WechatSimulator;
  identity: IdentityService;
  identityConnection: Connection;
  secrets: Record<string, string>;
  /** What each subgraph received, by subgraph name. */
  received: Record<'identity' | 'coupons' | 'products', RecordingProxy>;
  /** Identity-store commands the gateway has sent (its viewer lookups). */
  gatewayStoreQueries(): number;
  /** The first gateway's identity cache counters. */
  gatewayCache: IdentityCacheStats;
  /**
   * Another gateway as its own OS process (`gateway/main.ts`) over the same subgraphs, store and JWKS,
   * sharing nothing with the others but the store. Stopped when the system closes.
   */
  startGatewayProcess(options?: { cachePollMs?: number }): Promise<GatewayProcess>;
  /** Another in-process gateway over the same subgraphs, e.g. with other persisted-documents settings. */
  startGateway(options: GatewayVariant): Promise<{ url: string }>;
  /** find commands the identity subgraph has sent, by collection. */
  identityFinds(collection: string): number;
  /** The key the identity subgraph encrypts session keys with. */
  dataKey: Buffer;
  /** Everything every component logged, as text. */
  logs(): string;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<GraphQLResult<T>>;
  /** wx.login in `appId` for `user`, then the login mutation through the gateway. */
  login(appId: string, user: string): Promise<{ accessToken: string; refreshToken: string; userId: string }>;
  close(): Promise<void>;
}

/** How a gateway of the system differs from the default one. */
export interface GatewayVariant {
  persistedDocuments?: PersistedDocumentsOptions;
}

export interface SystemOptions {
  coupons?: CouponDoc[];
  /** Access tokens live this long, so tests see them expire for real. @default 15 minutes */
  accessTokenTtlSeconds?: number;
  /** The main gateway's persisted documents. @default none, free text allowed */
  persistedDocuments?: PersistedDocumentsOptions;
  /** A platform config other than the demo one (it must keep the demo's subgraph names). */
  config?: PlatformConfig;
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const closers: (() => Promise<unknown>)[] = [];
  const logText: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logText.push(chunk.toString('utf8')));
  const logger = createLogger('test', 'info', logStream);

  const mongo: TestMongo = await startTestMongo();
  closers.push(() => mongo.close());
  const connect = async (prefix: string, monitor = false) => {
    const connection = await mongoose.createConnection(mongo.uri(prefix), { monitorCommands: monitor }).asPromise();
    closers.push(async () => {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    });
    return connection;
  };
  const config = options.config ?? demoConfig;
  const secrets = demoSecrets(config);
  const simulator = await startSimulator(secrets, config);
  closers.push(() => simulator.close());
  const platform = indexPlatform(config);
  const secretOf = (name: string) => secrets[name];
  const subgraphSecret = (name: string) => secrets[platform.subgraph(name)!.identitySecretEnv]!;

  const identityConnection = await connect('identity', true);
  const identityFindCounts = new Map<string, number>();
  identityConnection.getClient().on('commandStarted', (event) => {
    if (event.commandName === 'find') identityFindCounts.set(String(event.command.find), (identityFindCounts.get(String(event.command.find)) ?? 0) + 1);
  });
  const dataKey = randomBytes(32);
  const identity = await startIdentityService({
    platform,
    connection: identityConnection,
    wechat: { baseUrl: simulator.url, backoffMs: 5, timeoutMs: 2000 },
    oauthAuthorizeBase: simulator.url,
    secretOf,
    identitySecret: subgraphSecret('identity'),
    dataKey,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    logger: logger.child({ service: 'identity' }),
  });
  closers.push(() => identity.close());
  await simulator.pushVerifyTicket(`${new URL(identity.url).origin}${COMPONENT_EVENTS_PATH}`);
  const coupons = await startCouponsService({
    merchantId: 'acme',
    subgraphName: 'coupons',
    connection: await connect('acme_coupons'),
    identitySecret: subgraphSecret('coupons'),
    seed: options.coupons ?? DEMO_COUPONS,
    logger: logger.child({ service: 'coupons' }),
  });
  closers.push(() => coupons.close());
  const products = await startProductsService({
    merchantId: 'bobs',
    subgraphName: 'products',
    connection: await connect('bobs_products'),
    identitySecret: subgraphSecret('products'),
    seed: DEMO_PRODUCTS,
    logger: logger.child({ service: 'products' }),
  });
  closers.push(() => products.close());

  const received = {
    identity: await startRecordingProxy(identity.url),
    coupons: await startRecordingProxy(coupons.url),
    products: await startRecordingProxy(products.url),
  };
  for (const proxy of Object.values(received)) closers.push(() => proxy.close());

  // The gateway reads the identity database through its own connection, as a separate process would.
  const gatewayConnection = await mongoose.createConnection(mongo.uri('gateway'), { monitorCommands: true }).asPromise();
  const directoryDb = gatewayConnection.useDb(identityConnection.name, { useCache: true });
  let storeQueries = 0;
  gatewayConnection.getClient().on('commandStarted', (event) => {
    if (event.databaseName === identityConnection.name && event.commandName === 'find' && event.command.find === 'identities') storeQueries++;
  });
  closers.push(() => gatewayConnection.close());
  const startOneGateway = async ({ persistedDocuments }: GatewayVariant) => {
    const models = identityModels(directoryDb);
    const cache = new CachingIdentityDirectory(mongoIdentityDirectory(models), models, logger, { pollMs: CACHE_POLL_MS });
    const revocations = new SessionRevocations(models, logger, { pollMs: CACHE_POLL_MS });
    await Promise.all([cache.start(), revocations.start()]);
    const server = await startGateway({
      supergraphSdl: SUPERGRAPH_SDL,
      subgraphUrls: { identity: received.identity.url, coupons: received.coupons.url, products: received.products.url },
      identity: {
        platform,
        subgraphSecrets: Object.fromEntries(config.subgraphs.map((s) => [s.name, subgraphSecret(s.name)])),
        verifyViewer: revocations.guard(createViewerVerifier(new URL(identity.jwksUrl))),
        directory: cache,
        afterIdentityMutation: async () => void (await Promise.all([cache.refreshNow(), revocations.refreshNow()])),
        cacheStats: cache.stats,
      },
      logger: logger.child({ service: 'gateway' }),
      persistedDocuments,
    });
    closers.push(async () => {
      cache.stop();
      revocations.stop();
      await server.close();
    });
    return { url: server.url, cache };
  };
  const gateway = await startOneGateway({ persistedDocuments: options.persistedDocuments });

  let configPath = DEMO_CONFIG_PATH;
  const gatewayProcess = async ({ cachePollMs = CACHE_POLL_MS }: { cachePollMs?: number } = {}) => {
    if (config !== demoConfig && configPath === DEMO_CONFIG_PATH) {
      const dir = mkdtempSync(join(tmpdir(), 'platform-config-'));
      closers.push(async () => rmSync(dir, { recursive: true, force: true }));
      configPath = join(dir, 'platform.json');
      writeFileSync(configPath, JSON.stringify(config));
    }
    const running = await startGatewayProcess({
      ...secrets,
      PLATFORM_CONFIG: configPath,
      MONGODB_URI: mongo.uri('gateway'),
      MONGODB_DB: identityConnection.name,
      IDENTITY_URL: new URL(identity.jwksUrl).origin,
      SUBGRAPH_URLS: Object.entries(received)
        .map(([name, proxy]) => `${name}=${proxy.url}`)
        .join(','),
      IDENTITY_CACHE_POLL_MS: String(cachePollMs),
    });
    closers.push(() => running.stop());
    return running;
  };

  const graphql = async <T>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResult<T>> => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as Omit<GraphQLResult<T>, 'status'>) };
  };

  return {
    gatewayUrl: gateway.url,
    gatewayCache: gateway.cache.stats,
    startGatewayProcess: gatewayProcess,
    startGateway: async (variant) => ({ url: (await startOneGateway(variant)).url }),
    simulator,
    identity,
    identityConnection,
    secrets,
    received,
    gatewayStoreQueries: () => storeQueries,
    identityFinds: (collection) => identityFindCounts.get(collection) ?? 0,
    dataKey,
    logs: () => logText.join(''),
    graphql,
    async login(appId, user) {
      const code = await loginCode(simulator, appId, user);
      const result = await graphql<{ login: { accessToken: string; refreshToken: string; user: { id: string } } }>(LOGIN, { appId, code });
      if (!result.data?.login) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
      return { accessToken: result.data.login.accessToken, refreshToken: result.data.login.refreshToken, userId: result.data.login.user.id };
    },
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

export const LOGIN = `mutation Login($appId: ID!, $code: String!) {
  login(appId: $appId, code: $code) { accessToken tokenType expiresIn refreshToken user { id } }
}`;

export { APPS };

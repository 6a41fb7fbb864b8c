/**
 * The whole platform for a test file: embedded MongoDB (or MONGODB_URI), the WeChat simulator, the
 * identity subgraph, every merchant subgraph the supergraph config lists and the gateway, each on an
 * ephemeral port, wired exactly as `npm start` wires them. Recording proxies sit in front of the subgraphs.
 */
import mongoose, { type ConnectOptions, type Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { startMongoDevServer, type MongoDevServer } from '../../dev/mongo/server.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { WechatSimulator } from '../../dev/wechat/server.js';
import { DisclosureLog } from '../../gateway/disclosure-log.js';
import { CachingIdentityDirectory, type IdentityCacheStats } from '../../gateway/identity-cache.js';
import { mongoIdentityDirectory } from '../../gateway/identity-directory.js';
import { startGateway } from '../../gateway/gateway-server.js';
import type { DemandControlOptions } from '../../gateway/features/demand-control.js';
import type { RateLimits } from '../../gateway/features/rate-limits.js';
import type { SocketLimits } from '../../gateway/subscriptions/client-sockets.js';
import type { FieldRateLimits } from '../../gateway/features/field-rate-limits.js';
import { SessionRevocations } from '../../gateway/session-revocations.js';
import { jwksCheck } from '../../gateway/subgraph-probe.js';
import { databaseCheck, type RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';
import type { PersistedDocumentsOptions } from '../../gateway/features/persisted-documents.js';
import { createViewerVerifier } from '../../gateway/viewer.js';
import { indexPlatform, type PlatformIndex } from '../../platform/config/platform-index.js';
import { identityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import type { CouponDoc } from '../../subgraphs/coupons/coupon-store.js';
import { startIdentityService, type IdentityService } from '../../subgraphs/identity/identity-service.js';
import type { AfterStep } from '../../subgraphs/identity/merges.js';
import { COMPONENT_EVENTS_PATH } from '../../subgraphs/identity/third-party-platform.js';
import type { PlatformConfig } from '../../platform/config/platform-config.js';
import { readEnvironment } from '../../platform/env.js';
import { inServerSpan } from '../../platform/telemetry.js';
import { loadMerchantSubgraph } from '../../subgraphs/merchant-process/merchant-subgraph.js';
import { storeConnectionOptions, subgraphSecrets } from '../../platform/process/service-setup.js';
import { composeSupergraph } from '../../schema/compose-supergraph.js';
import { checkAgainstPlatform, loadSupergraphConfig, readSubgraphSchemas, SUPERGRAPH_CONFIG_PATH } from '../../schema/supergraph-config.js';
import { APPS, DEMO_CONFIG_PATH, demoConfig, demoSecrets, loginCode, startSimulator } from './fixtures.js';
import { startTestMongo, type TestMongo } from './mongo.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';
import { startTcpFaultProxy, type TcpFaultProxy } from './tcp-fault-proxy.js';

/** For tests that start gateway OS processes: each compiles the gateway with tsx, slow on a busy machine. */
export const PROCESS_TEST_TIMEOUT_MS = 120_000;

const UNLIMITED: RateLimits = { loginPerAddress: 1_000_000, loginPerApp: 1_000_000, refreshPerAddress: 1_000_000 };

/** The change-feed poll interval in tests: the staleness bound between two gateways. */
export const CACHE_POLL_MS = 100;
/** How often the test gateway writes its disclosure log. */
export const DISCLOSURE_FLUSH_MS = 50;

export const SUPERGRAPH_SDL = readFileSync(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)), 'utf8');

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface System {
  gatewayUrl: string;
  platform: PlatformIndex;
  simulator: WechatSimulator;
  identity: IdentityService;
  identityConnection: Connection;
  /** The identity database's connection string (for another process or connection to it, e.g. the console). */
  identityUri: string;
  secrets: Record<string, string>;
  /** What each subgraph received, by subgraph name. */
  received: Record<'identity' | 'coupons' | 'products', RecordingProxy> & Record<string, RecordingProxy>;
  /** Identity-store commands the gateway has sent (its viewer lookups). */
  gatewayStoreQueries(): number;
  /** The first gateway's identity cache counters. */
  gatewayCache: IdentityCacheStats;
  /**
   * Another gateway as its own OS process (`gateway/main.ts`) over the same subgraphs, store and JWKS,
   * sharing nothing with the others but the store. Stopped when the system closes.
   */
  startGatewayProcess(options?: { cachePollMs?: number; env?: Record<string, string> }): Promise<GatewayProcess>;
  /** Stops a merchant subgraph's server (its proxy stays: the gateway finds nothing behind it). */
  stopMerchant(name: MerchantSubgraph): Promise<void>;
  /** A merchant subgraph's own URL (not its recording proxy). */
  merchantUrl(name: MerchantSubgraph): string;
  /** A merchant subgraph's database: the server (for MONGODB_URI) and the database name (MONGODB_DB), for another process of it. */
  merchantDatabase(name: MerchantSubgraph): { uri: string; name: string };
  /** Starts a stopped merchant subgraph again, with its data, behind its old address (its proxy). */
  restartMerchant(name: MerchantSubgraph): Promise<void>;
  /** Stops the identity store's own MongoDB server (only with `separateIdentityStore`). */
  stopIdentityStore(): Promise<void>;
  /** Starts it again with its data, at the address everyone knows it by (only with `separateIdentityStore`). */
  restartIdentityStore(): Promise<void>;
  /** The identity store stops answering without refusing or closing anything: hung, or cut off by the network (only with `separateIdentityStore`). */
  hangIdentityStore(): void;
  /** Ends `hangIdentityStore`. */
  resumeIdentityStore(): void;
  /** Another in-process gateway over the same subgraphs, e.g. with other persisted-documents settings. */
  startGateway(options: GatewayVariant): Promise<{ url: string; metrics(): Promise<string> }>;
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
  /** grantConsent(MERCHANT_DISCLOSURE, merchantId) through the gateway, as the mini-program does after showing the notice. */
  grantDisclosure(token: string, merchantId: string): Promise<void>;
  /** wx.login in `appId` for `user`, then the login mutation through the gateway. */
  login(appId: string, user: string): Promise<{ accessToken: string; refreshToken: string; userId: string }>;
  close(): Promise<void>;
}

export type MerchantSubgraph = 'coupons' | 'products';

/** How a gateway of the system differs from the default one. */
export interface GatewayVariant {
  persistedDocuments?: PersistedDocumentsOptions;
  /** Bounds on client sockets (subscriptions). @default the gateway's */
  socketLimits?: Partial<SocketLimits>;
  /** Subgraph URLs other than the system's recording proxies (e.g. a second coupons process), by name. */
  subgraphUrls?: Record<string, string>;
  /** @default none to speak of */
  rateLimits?: RateLimits;
  clientAddressHeader?: string;
  /** @default the gateway's (measure) */
  demandControl?: Partial<DemandControlOptions>;
  /** Per-viewer field limits. @default none */
  fieldRateLimits?: FieldRateLimits;
}

export interface SystemOptions {
  coupons?: CouponDoc[];
  /** Access tokens live this long, so tests see them expire for real. @default 15 minutes */
  accessTokenTtlSeconds?: number;
  /** The main gateway's persisted documents. @default none, free text allowed */
  persistedDocuments?: PersistedDocumentsOptions;
  /** The in-process gateway's rate limits. @default none to speak of (tests log in often from one address) */
  rateLimits?: RateLimits;
  /** The in-process gateway's client address header (tests pose as several clients with x-forwarded-for). */
  clientAddressHeader?: string;
  /** The in-process gateway's subgraph timeout. @default 15000 (slack for a loaded test machine) */
  subgraphTimeoutMs?: number;
  /** Per-subgraph overrides of `subgraphTimeoutMs`. */
  subgraphTimeoutsMs?: Record<string, number>;
  /** A platform config other than the demo one (it must keep the demo's subgraph names). */
  config?: PlatformConfig;
  /** A supergraph config other than schema/supergraph.yaml: its subgraphs are composed, started and routed. */
  supergraphConfig?: string;
  /** A secret rotation under way: by secret variable, the previous value the subgraphs still accept. */
  previousSecrets?: Record<string, string>;
  /**
   * The identity database on its own embedded MongoDB server, persisted to a temporary folder, so a test
   * can stop, hang and restart it while the merchants' databases stay up (fault tests).
   */
  separateIdentityStore?: boolean;
  /** Observe (or interrupt) the identity service's merges after each step. */
  afterMergeStep?: AfterStep;
}

/** How long the identity service and gateway wait on a separate identity store before giving up (MONGODB_TIMEOUT_MS). */
const STORE_FAULT_TIMEOUT_MS = 3000;

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const closers: (() => Promise<unknown>)[] = [];
  const logText: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logText.push(chunk.toString('utf8')));
  const logger = createLogger('test', 'info', logStream);

  const mongo: TestMongo = await startTestMongo();
  closers.push(() => mongo.close());
  const connect = async (prefix: string, monitor = false, uri = mongo.uri(prefix), connectOptions: ConnectOptions = {}) => {
    const connection = await mongoose.createConnection(uri, { monitorCommands: monitor, ...connectOptions }).asPromise();
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
  // What each subgraph accepts, read as its process reads it: the current secret, and <NAME>_PREVIOUS in a rotation.
  const previous = Object.entries(options.previousSecrets ?? {}).map(([name, value]) => [`${name}_PREVIOUS`, value]);
  const subgraphEnv = readEnvironment({ ...secrets, ...Object.fromEntries(previous) });
  const acceptedSecrets = (name: string) => subgraphSecrets(subgraphEnv, platform, name);

  const identityStoreDir = options.separateIdentityStore ? mkdtempSync(join(tmpdir(), 'identity-store-')) : undefined;
  let identityStore: MongoDevServer | undefined;
  let identityStoreProxy: TcpFaultProxy | undefined;
  if (identityStoreDir) {
    identityStore = await startMongoDevServer({ dataDir: identityStoreDir });
    // Everyone reaches the store through a proxy, so a test can also make it hang rather than stop.
    identityStoreProxy = await startTcpFaultProxy({ port: identityStore.port });
    closers.push(async () => {
      await identityStoreProxy?.close();
      await identityStore?.close();
      rmSync(identityStoreDir, { recursive: true, force: true });
    });
  }
  const identityStoreUri = (db: string) => (identityStoreProxy ? `mongodb://127.0.0.1:${identityStoreProxy.port}/${db}` : mongo.uri(db));
  const identityUri = identityStoreUri(identityStore ? `identity_${randomBytes(4).toString('hex')}` : 'identity');
  // A separate store is stopped on purpose: every wait on it gives up after 3 s (MONGODB_TIMEOUT_MS in production).
  const identityConnection = await connect('identity', true, identityUri, identityStore ? storeConnectionOptions(STORE_FAULT_TIMEOUT_MS) : {});
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
    identitySecret: acceptedSecrets('identity'),
    dataKey,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    afterMergeStep: options.afterMergeStep,
    // Half-done merges are picked up within a fraction of a second (production: 10 s poll, 30 s idle).
    mergeResume: { pollMs: 200, idleMs: 500 },
    logger: logger.child({ service: 'identity' }),
    erasureOutbox: { pollMs: 50, baseBackoffMs: 50 },
  });
  closers.push(() => identity.close());
  await simulator.pushVerifyTicket(`${new URL(identity.url).origin}${COMPONENT_EVENTS_PATH}`);
  const sources = loadSupergraphConfig(options.supergraphConfig ?? SUPERGRAPH_CONFIG_PATH);
  checkAgainstPlatform(sources, config);
  const received: Record<string, RecordingProxy> = { identity: await startRecordingProxy(identity.url) };
  closers.push(() => received.identity!.close());
  // Every merchant subgraph from config alone, as the launcher's processes start them; each can be
  // stopped and started again on the same port, with its data (fault tests).
  const startMerchant: Record<string, (port?: number) => Promise<RunningHttpServer>> = {};
  const merchantDatabases: Record<string, { uri: string; name: string }> = {};
  const merchants: Record<string, RunningHttpServer> = {};
  const stopped = new Set<string>();
  for (const source of sources.subgraphs.filter((s) => s.name !== config.identitySubgraph)) {
    const merchant = platform.merchantBySubgraph(source.name);
    if (!merchant) throw new Error(`no merchant owns the ${source.name} subgraph`);
    const subgraph = await loadMerchantSubgraph(source.name, source.schemaFile);
    const connection = await connect(subgraph.defaultDatabase);
    const server = new URL(mongo.uri(subgraph.defaultDatabase));
    server.pathname = '/';
    merchantDatabases[source.name] = { uri: server.toString(), name: connection.name };
    startMerchant[source.name] = (port?: number) =>
      subgraph.start({
        merchantId: merchant.id,
        subgraphName: source.name,
        connection,
        identitySecret: acceptedSecrets(source.name),
        seed: source.name === 'coupons' && options.coupons ? options.coupons : subgraph.demoSeed,
        logger: logger.child({ service: source.name }),
        serverSpan: inServerSpan,
        port,
      });
    merchants[source.name] = await startMerchant[source.name]!();
    closers.push(async () => {
      if (!stopped.has(source.name)) await merchants[source.name]!.close();
    });
    const proxy = await startRecordingProxy(merchants[source.name]!.url);
    closers.push(() => proxy.close());
    received[source.name] = proxy;
  }
  const supergraphSdl = options.supergraphConfig ? composeSupergraph(readSubgraphSchemas(sources)) : SUPERGRAPH_SDL;

  // The gateway reads the identity database through its own connection, as a separate process would.
  const gatewayConnection = await mongoose
    .createConnection(identityStoreUri('gateway'), { monitorCommands: true, ...(identityStore ? storeConnectionOptions(STORE_FAULT_TIMEOUT_MS) : {}) })
    .asPromise();
  const directoryDb = gatewayConnection.useDb(identityConnection.name, { useCache: true });
  let storeQueries = 0;
  gatewayConnection.getClient().on('commandStarted', (event) => {
    if (event.databaseName === identityConnection.name && event.commandName === 'find' && event.command.find === 'identities') storeQueries++;
  });
  closers.push(() => gatewayConnection.close());
  const startOneGateway = async ({
    persistedDocuments,
    rateLimits,
    clientAddressHeader,
    socketLimits,
    subgraphUrls,
    demandControl,
    fieldRateLimits,
  }: GatewayVariant) => {
    const models = identityModels(directoryDb);
    // Lookups wait longer than production's 2 s: a loaded test machine must not look like a store outage.
    const cache = new CachingIdentityDirectory(mongoIdentityDirectory(models, { timeoutMs: 5000, logger }), models, logger, {
      pollMs: CACHE_POLL_MS,
    });
    const revocations = new SessionRevocations(models, logger, { pollMs: CACHE_POLL_MS });
    await Promise.all([cache.start(), revocations.start()]);
    const disclosures = new DisclosureLog(models, logger, { flushMs: DISCLOSURE_FLUSH_MS });
    disclosures.start();
    const server = await startGateway({
      supergraphSdl,
      subgraphUrls: { ...Object.fromEntries(Object.entries(received).map(([name, proxy]) => [name, proxy.url])), ...subgraphUrls },
      identity: {
        platform,
        subgraphSecrets: Object.fromEntries(config.subgraphs.map((s) => [s.name, subgraphSecret(s.name)])),
        verifyViewer: revocations.guard(createViewerVerifier(new URL(identity.jwksUrl))),
        directory: cache,
        afterIdentityMutation: async () => void (await Promise.all([cache.refreshNow(), revocations.refreshNow()])),
        cacheStats: cache.stats,
        onDisclosed: disclosures.note,
        onSessionEnded: (listener) => void revocations.onRevoked(listener),
        onIdentitiesChanged: (listener) => void cache.onChanged(listener),
      },
      logger: logger.child({ service: 'gateway' }),
      subgraphTimeoutMs: options.subgraphTimeoutMs ?? 15_000,
      subgraphTimeoutsMs: options.subgraphTimeoutsMs,
      rateLimits: rateLimits ?? UNLIMITED,
      clientAddressHeader,
      readiness: [databaseCheck('identityStore', gatewayConnection), jwksCheck(new URL(identity.jwksUrl))],
      persistedDocuments,
      socketLimits,
      demandControl,
      fieldRateLimits,
    });
    closers.push(async () => {
      cache.stop();
      revocations.stop();
      await server.close();
      await disclosures.stop();
    });
    return { url: server.url, cache, metrics: async () => (await fetch(new URL('/metrics', server.url))).text() };
  };
  const gateway = await startOneGateway(options);

  let configPath = DEMO_CONFIG_PATH;
  const gatewayProcess = async ({ cachePollMs = CACHE_POLL_MS, env = {} }: { cachePollMs?: number; env?: Record<string, string> } = {}) => {
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
      SUBGRAPH_TIMEOUT_MS: '15000',
      RATE_LIMIT_LOGIN_PER_ADDRESS: String(UNLIMITED.loginPerAddress),
      RATE_LIMIT_REFRESH_PER_ADDRESS: String(UNLIMITED.refreshPerAddress),
      ...env,
    });
    closers.push(() => running.stop());
    return running;
  };

  const stopMerchant = async (name: MerchantSubgraph) => {
    stopped.add(name);
    await merchants[name]!.close();
  };
  const restartMerchant = async (name: MerchantSubgraph) => {
    // A new port behind the same proxy: in a parallel test run the old one may belong to someone else by now.
    merchants[name] = await startMerchant[name]!();
    received[name]!.retarget(merchants[name]!.url);
    stopped.delete(name);
  };

  const stopIdentityStore = async () => {
    if (!identityStore) throw new Error('startSystem({ separateIdentityStore: true }) to stop the identity store');
    await identityStore.close();
  };
  const restartIdentityStore = async () => {
    if (!identityStore) throw new Error('startSystem({ separateIdentityStore: true }) to restart the identity store');
    // A new port behind the same proxy: in a parallel test run the old one may belong to someone else by now.
    identityStore = await startMongoDevServer({ dataDir: identityStoreDir });
    identityStoreProxy!.retarget(identityStore.port);
  };
  const storeProxy = () => {
    if (!identityStoreProxy) throw new Error('startSystem({ separateIdentityStore: true }) to hang the identity store');
    return identityStoreProxy;
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
    platform,
    gatewayCache: gateway.cache.stats,
    startGatewayProcess: gatewayProcess,
    startGateway: async (variant) => {
      const started = await startOneGateway(variant);
      return { url: started.url, metrics: started.metrics };
    },
    simulator,
    identity,
    identityConnection,
    identityUri,
    secrets,
    received: received as System['received'],
    gatewayStoreQueries: () => storeQueries,
    stopMerchant,
    restartMerchant,
    stopIdentityStore,
    restartIdentityStore,
    hangIdentityStore: () => storeProxy().hang(),
    resumeIdentityStore: () => storeProxy().resume(),
    merchantUrl: (name) => merchants[name]!.url,
    merchantDatabase: (name) => merchantDatabases[name]!,
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
    async grantDisclosure(token, merchantId) {
      const result = await graphql(GRANT_DISCLOSURE, { merchantId }, token);
      if (result.errors) throw new Error(`grantConsent failed: ${JSON.stringify(result.errors)}`);
    },
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

export const GRANT_DISCLOSURE = `mutation Grant($merchantId: ID!) {
  grantConsent(purpose: MERCHANT_DISCLOSURE, merchantId: $merchantId) { purpose merchantId noticeVersion grantedAt }
}`;

export const LOGIN = `mutation Login($appId: ID!, $code: String!) {
  login(appId: $appId, code: $code) { accessToken tokenType expiresIn refreshToken user { id } }
}`;

export { APPS };

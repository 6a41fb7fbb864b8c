/**
 * Wires the gateway: the static supergraph, one SubgraphDataSource per subgraph, Apollo Server, the
 * viewer verifier and the shared HTTP edge. Request in → viewer resolved → identity injected → subgraph answers.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { isPublicCode, subgraphOutageLogging } from '../platform/graphql/format-error.js';
import { Headers } from '../platform/headers.js';
import { inServerSpan } from '../platform/telemetry.js';
import { turnOffApolloTelemetry } from '../platform/env.js';
import {
  maskedErrorLogging,
  maskingFormatter,
  readiness,
  startGraphQLHttpServer,
  type ReadinessCheck,
  type RunningHttpServer,
} from '../subgraphs/kit/index.js';
import type { Logger } from '../platform/logger.js';
import { buildGatewayContext, type GatewayContext } from './gateway-context.js';
import { PersistedDocuments, type PersistedDocumentsOptions } from './persisted-documents.js';
import { SessionViewers } from './session-viewers.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { subgraphProbe } from './subgraph-probe.js';
import type { DisclosureRecorder } from './disclosure-log.js';
import type { IdentityCacheStats } from './identity-cache.js';
import type { IdentityDirectory } from './identity-directory.js';
import { explorerRoutes } from './explorer.js';
import { legacyJsonStatusCodes } from './graphql-over-http.js';
import { createInboundDedupe } from './inbound-dedupe.js';
import { createGatewayMetrics } from './metrics.js';
import { createQueryLimitCheck, DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits.js';
import { clientAddressOf, createRateLimitCheck, DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limits.js';
import { installOperationCache } from './operation-cache.js';
import { installPlanExecutor } from './plan-executor.js';
import { installResultShaper } from './result-shaper.js';
import { SubgraphTransport } from './subgraph-transport.js';
import type { ReloadingSupergraph } from './supergraph-source.js';
import { operationSpanPlugin } from './tracing.js';
import type { ViewerVerifier } from './viewer.js';

/** Identity injection: present with a platform config, absent for a plain federation gateway. */
export interface GatewayIdentityOptions {
  platform: PlatformIndex;
  /** Each subgraph's signing secret, by subgraph name. */
  subgraphSecrets: Record<string, string>;
  verifyViewer: ViewerVerifier;
  directory: IdentityDirectory;
  /** Runs after any identity-subgraph mutation answers, before the client gets the answer (cache refresh). */
  afterIdentityMutation?: () => Promise<void>;
  /** Reported on /metrics. */
  cacheStats?: IdentityCacheStats;
  /** Records which merchant was given which viewer's OpenID (the disclosure log). */
  onDisclosed?: DisclosureRecorder;
}

export interface GatewayOptions {
  /** The supergraph, fixed, or one that reloads without a restart (gateway/supergraph-source.ts). */
  supergraphSdl: string | ReloadingSupergraph;
  /** Subgraph URLs replacing the supergraph's, by subgraph name. */
  subgraphUrls?: Record<string, string>;
  identity?: GatewayIdentityOptions;
  logger: Logger;
  host?: string;
  port?: number;
  /** Merge identical in-flight client queries (a viewer's only with that viewer's own) and identical anonymous subgraph queries. @default true */
  dedupe?: boolean;
  /** @default DEFAULT_QUERY_LIMITS */
  queryLimits?: QueryLimits;
  /** Time each subgraph fetch may take before its fields answer SUBGRAPH_UNAVAILABLE. @default 5000 */
  subgraphTimeoutMs?: number;
  /** Subgraph name → its own fetch time, overriding `subgraphTimeoutMs`. */
  subgraphTimeoutsMs?: Record<string, number>;
  /** @default DEFAULT_RATE_LIMITS */
  rateLimits?: RateLimits;
  /** Behind a proxy: the header whose last entry is the client's address (e.g. x-forwarded-for). @default the TCP peer */
  clientAddressHeader?: string;
  /** Readiness checks besides the subgraph probes the gateway adds itself (identity store, JWKS). */
  readiness?: ReadinessCheck[];
  /** Known documents and whether only they run. @default no manifest, free text allowed (and Apollo's APQ) */
  persistedDocuments?: PersistedDocumentsOptions;
  /**
   * Apollo Server's CSRF rule (GET and non-JSON requests need a preflight header). Off by default: the
   * gateway authenticates only by the Authorization header, which a cross-site request cannot carry.
   * @default false
   */
  csrfPrevention?: boolean;
  /** Production mode: "Did you mean ...?" suggestions are left out of validation errors. @default false */
  production?: boolean;
  /** Schema introspection. @default !production */
  introspection?: boolean;
  /** Serve GraphiQL, with its assets, at /explorer (no CDN). @default !production */
  explorer?: boolean;
}

export async function startGateway(options: GatewayOptions): Promise<RunningHttpServer> {
  const { identity } = options;
  const transport = new SubgraphTransport({ dedupe: options.dedupe, timeoutMs: options.subgraphTimeoutMs });
  const sessions = identity && new SessionViewers(identity.verifyViewer, identity.directory);
  const persisted = new PersistedDocuments<GatewayContext>(options.persistedDocuments ?? { manifest: new Map(), only: false });
  const inbound = options.dedupe === false ? undefined : createInboundDedupe({ documentOf: (req) => persisted.peek(req) });
  const supergraphStats = typeof options.supergraphSdl === 'string' ? undefined : options.supergraphSdl.stats;
  // Per-document work done once: the result-shaping operation (cached), and a shaper compiled from it;
  // plans executed without unrecorded traces and spans.
  installPlanExecutor();
  const metrics = createGatewayMetrics(transport, identity?.cacheStats, supergraphStats, inbound, installOperationCache(), installResultShaper());
  const probes: ReadinessCheck[] = [];
  turnOffApolloTelemetry();
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => {
      const target = options.subgraphUrls?.[name] ?? url;
      if (!target) throw new Error(`subgraph "${name}" has no URL`);
      const timeoutMs = options.subgraphTimeoutsMs?.[name];
      if (timeoutMs !== undefined) transport.setTimeout(target, timeoutMs);
      const secret = identity?.subgraphSecrets[name];
      probes.push(subgraphProbe({ name, url: target, signing: identity && secret ? { platform: identity.platform, secret } : undefined }, transport));
      if (!identity || !sessions) return new SubgraphDataSource(name, target, undefined, transport, metrics.fetches);
      if (!secret) throw new Error(`subgraph "${name}" has no signing secret: add it to the platform config's subgraphs`);
      // Identities change only through the identity subgraph, so only its mutations refresh the cache.
      const isIdentity = name === identity.platform.config.identitySubgraph;
      const afterMutation = isIdentity ? identity.afterIdentityMutation : undefined;
      return new SubgraphDataSource(
        name,
        target,
        { platform: identity.platform, secret, afterMutation, sessions, reportsSessions: isIdentity, onDisclosed: identity.onDisclosed },
        transport,
        metrics.fetches,
      );
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: gateway as never,
    formatError: maskingFormatter(isPublicCode),
    includeStacktraceInErrorResponses: false,
    // persisted-documents.ts handles hashes (the manifest and APQ alike), so Apollo's own APQ is off.
    persistedQueries: false,
    // No landing page in any mode: Apollo's loads from its CDN (often unreachable from mainland China).
    plugins: [
      persisted.plugin(),
      maskedErrorLogging(options.logger, isPublicCode),
      subgraphOutageLogging(options.logger),
      metrics.plugin,
      legacyJsonStatusCodes(),
      ApolloServerPluginLandingPageDisabled(),
      operationSpanPlugin(),
    ].filter((plugin) => plugin !== undefined),
    csrfPrevention: options.csrfPrevention ?? false,
    introspection: options.introspection ?? !options.production,
    hideSchemaDetailsFromClientErrors: options.production ?? false,
    // The process runner owns termination signals; Apollo's own handlers would race it and stall stop().
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  await logProbes(probes, options.logger);
  const checkQueryLimits = createQueryLimitCheck(options.queryLimits ?? DEFAULT_QUERY_LIMITS);
  const checkRateLimits = createRateLimitCheck(options.rateLimits ?? DEFAULT_RATE_LIMITS);
  const server = await startGraphQLHttpServer({
    apollo,
    host: options.host,
    port: options.port,
    serverSpan: inServerSpan,
    onError: (error, requestId) => options.logger.error({ err: error, requestId }, 'request failed outside GraphQL'),
    routes: [metrics.route, ...((options.explorer ?? !options.production) ? explorerRoutes() : [])],
    readiness: [...(options.readiness ?? []), ...probes],
    around: (req, execute) => {
      metrics.requests.inc();
      return inbound ? inbound.run(req, execute) : execute();
    },
    context: async (req) => {
      checkQueryLimits(req);
      await checkRateLimits({ ...req, clientAddress: clientAddressOf(req, options.clientAddressHeader) });
      const document = persisted.resolve(req);
      const authorization = req.headers[Headers.authorization];
      const viewer = identity ? await identity.verifyViewer(typeof authorization === 'string' ? authorization : undefined) : undefined;
      return persisted.attach(buildGatewayContext(req.requestId, viewer, identity?.directory), document);
    },
  });
  return {
    ...server,
    close: async (shutdown) => {
      await server.close(shutdown);
      await transport.close();
    },
  };
}

/** Probes every subgraph once at start-up: a refused signature would fail every request, so it is logged as an error. */
async function logProbes(probes: ReadinessCheck[], logger: Logger): Promise<void> {
  const { results } = await readiness(probes, false);
  for (const [check, result] of results) {
    if (result.ok) continue;
    if (result.degradedOnly) logger.warn({ check, reason: result.reason }, 'subgraph not answering at start-up; its fields fail until it does');
    else logger.error({ check, reason: result.reason }, 'SUBGRAPH REFUSES THE GATEWAY: every request reaching it will fail until the secrets match');
  }
}

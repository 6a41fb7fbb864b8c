/**
 * Wires the gateway: the supergraph, one SubgraphDataSource per subgraph, Apollo Server, and the request
 * pipeline in front of it. A request reads as the feature list below, top to bottom: decoded, its
 * document resolved (text or hash), bounded, parsed once, limited, validated, costed, rate-limited, its viewer
 * admitted, merged with an identical one in flight, executed; identity is injected into each subgraph
 * fetch (subgraph-data-source.ts), and the answer's headers set on the way out.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { isPublicCode } from '../platform/graphql/format-error.js';
import { inServerSpanUnscoped } from '../platform/telemetry.js';
import { turnOffApolloTelemetry } from '../platform/env.js';
import { maskingFormatter, readiness, startGraphQLHttpServer, type ReadinessCheck, type RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';
import type { Logger } from '../platform/logger.js';
import { startRouteListener, type ListenAddress } from '../platform/process/route-listener.js';
import { installApolloPatches, subscriptionSupport } from './apollo-patches/index.js';
import { enforcedAuthorizationSource } from './authorization/enforced-supergraph.js';
import { supergraphRequirements, type SupergraphRequirements } from './authorization/supergraph-requirements.js';
import { POLICIES } from './authorization/viewer-rights.js';
import { authorization } from './features/authorization.js';
import { partialResults } from './features/partial-results.js';
import { fieldRateLimits, type FieldRateLimits } from './features/field-rate-limits.js';
import { cachePolicy } from './features/cache-policy.js';
import { decodeRequest } from './features/decode-request.js';
import { demandControl, type DemandControlOptions } from './features/demand-control.js';
import { errorLogging } from './features/error-logging.js';
import { explorer } from './features/explorer.js';
import { graphqlOverHttp } from './features/graphql-over-http.js';
import { gatewayMetrics } from './features/metrics.js';
import { parseDocument } from './features/parse-document.js';
import { persistedDocuments, type PersistedDocumentsOptions } from './features/persisted-documents.js';
import { DEFAULT_QUERY_LIMITS, queryLimits, type QueryLimits } from './features/query-limits.js';
import { DEFAULT_RATE_LIMITS, rateLimits, type RateLimits } from './features/rate-limits.js';
import { requestMerging } from './features/request-merging.js';
import { tokenBound } from './features/token-bound.js';
import { tracing } from './features/tracing.js';
import { validateDocument } from './features/validate-document.js';
import { viewerAdmission } from './features/viewer-admission.js';
import type { GatewayContext } from './gateway-context.js';
import { DocumentCache } from './pipeline/document-cache.js';
import { apolloExecution } from './pipeline/execute.js';
import type { GatewayFeature } from './pipeline/feature.js';
import { combinedPlugin } from './pipeline/combined-plugin.js';
import { createPipeline } from './pipeline/pipeline.js';
import { SessionViewers } from './session-viewers.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { SubgraphIdentity } from './subgraph-identity.js';
import { clientSockets, type SocketLimits } from './subscriptions/client-sockets.js';
import { LiveSubscriptions, type UpstreamTarget } from './subscriptions/live-subscriptions.js';
import { withSubscriptions } from './subscriptions/subscription-execution.js';
import { SubscriptionPlans } from './subscriptions/subscription-plans.js';
import type { UpstreamTiming } from './subscriptions/upstream-socket.js';
import { subgraphProbe } from './subgraph-probe.js';
import type { DisclosureRecorder } from './disclosure-log.js';
import type { IdentityCacheStats } from './identity-cache.js';
import type { IdentityDirectory } from './identity-directory.js';
import { SubgraphTransport } from './subgraph-transport.js';
import type { ReloadingSupergraph } from './supergraph-source.js';
import type { ViewerVerifier } from './viewer.js';

/** Where the gateway answers GraphQL. */
export const GRAPHQL_PATH = '/graphql';

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
  /** Registers a listener for sessions ended from now on (their sockets close 4403 SESSION_REVOKED). */
  onSessionEnded?(listener: (sessionId: string) => void): void;
  /** Registers a listener for users whose identities changed (their subscriptions re-sign, or stop carrying what is withdrawn). */
  onIdentitiesChanged?(listener: (userIds: readonly string[]) => void): void;
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
  /** Operations' estimated cost: measured, or also capped (`@cost`, `@listSize`). @default DEFAULT_DEMAND_CONTROL */
  demandControl?: Partial<DemandControlOptions>;
  /** Per-viewer limits on chosen fields, by coordinate (`Mutation.claimCoupon`). @default none */
  fieldRateLimits?: FieldRateLimits;
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
  /** Serve /metrics on a listener of its own here, not on the public port (METRICS_PORT). @default the public port */
  metricsListener?: ListenAddress;
  /** Bounds on client sockets (subscriptions). @default DEFAULT_SOCKET_LIMITS */
  socketLimits?: Partial<SocketLimits>;
  /** Upstream subscription sockets' keep-alive and reconnection. @default DEFAULT_UPSTREAM_TIMING */
  upstreamTiming?: Partial<UpstreamTiming>;
}

/** The running gateway; `metricsUrl` when /metrics has a listener of its own. */
export interface RunningGateway extends RunningHttpServer {
  readonly metricsUrl?: string;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { identity, logger } = options;
  const production = options.production ?? false;
  const introspection = options.introspection ?? !production;
  const limits = options.queryLimits ?? DEFAULT_QUERY_LIMITS;
  const transport = new SubgraphTransport({ dedupe: options.dedupe, timeoutMs: options.subgraphTimeoutMs });
  const sessions = identity && new SessionViewers(identity.verifyViewer, identity.directory);
  const documents = new DocumentCache();
  const merging = options.dedupe === false ? undefined : requestMerging();
  turnOffApolloTelemetry();
  const patches = installApolloPatches(ApolloGateway, logger);
  const probes: ReadinessCheck[] = [];
  // Where subscriptions reach each subgraph, filled as Apollo builds the subgraphs' data sources.
  const upstreamTargets = new Map<string, UpstreamTarget>();
  const gateway = new ApolloGateway({
    // The authorization directives are enforced by this gateway (features/authorization.ts), so Apollo may load them.
    supergraphSdl: enforcedAuthorizationSource(options.supergraphSdl),
    buildService: ({ name, url }) => {
      const target = options.subgraphUrls?.[name] ?? url;
      if (!target) throw new Error(`subgraph "${name}" has no URL`);
      const timeoutMs = options.subgraphTimeoutsMs?.[name];
      if (timeoutMs !== undefined) transport.setTimeout(target, timeoutMs);
      const secret = identity?.subgraphSecrets[name];
      probes.push(subgraphProbe({ name, url: target, signing: identity && secret ? { platform: identity.platform, secret } : undefined }, transport));
      if (!identity || !sessions) {
        upstreamTargets.set(name, { url: target, identity: undefined });
        return new SubgraphDataSource(name, target, undefined, transport, metrics.fetches);
      }
      if (!secret) throw new Error(`subgraph "${name}" has no signing secret: add it to the platform config's subgraphs`);
      const subgraphIdentity = new SubgraphIdentity(name, { platform: identity.platform, secret, onDisclosed: identity.onDisclosed });
      upstreamTargets.set(name, { url: target, identity: subgraphIdentity });
      // Identities change only through the identity subgraph, so only its mutations refresh the cache.
      const isIdentity = name === identity.platform.config.identitySubgraph;
      const afterMutation = isIdentity ? identity.afterIdentityMutation : undefined;
      return new SubgraphDataSource(
        name,
        target,
        { identity: subgraphIdentity, afterMutation, sessions, reportsSessions: isIdentity },
        transport,
        metrics.fetches,
      );
    },
  });
  // Subscriptions: planned by the gateway's own planner, their events completed by the lean plan executor.
  const support = subscriptionSupport(ApolloGateway, logger);
  const formatError = maskingFormatter(isPublicCode);
  const live =
    support &&
    new LiveSubscriptions({
      plans: new SubscriptionPlans(gateway, support.modules),
      executeEvent: support.executeEvent,
      targets: upstreamTargets,
      directory: identity?.directory,
      formatError,
      isPublic: isPublicCode,
      logger,
      timing: options.upstreamTiming,
    });
  identity?.onIdentitiesChanged?.((userIds) => live?.identitiesChanged(userIds));
  const metrics = gatewayMetrics({
    transport,
    identityCache: identity?.cacheStats,
    supergraph: typeof options.supergraphSdl === 'string' ? undefined : options.supergraphSdl.stats,
    merging: merging?.stats,
    documents: documents.stats,
    patches,
    subscriptions: live?.stats,
    sockets: () => sockets.stats,
  });

  // The API schema served now: what documents are validated against (Apollo Server follows the same event).
  let apiSchema: GraphQLSchema | undefined;
  // What the supergraph requires of viewers (the authorization directives), read with every schema loaded.
  let requirements: SupergraphRequirements | undefined;
  gateway.onSchemaLoadOrUpdate((loaded) => {
    apiSchema = loaded.apiSchema;
    requirements = supergraphRequirements(loaded.coreSupergraphSdl);
    const unknown = [...requirements.policyNames].filter((name) => !(POLICIES as readonly string[]).includes(name));
    if (unknown.length > 0)
      logger.error({ policies: unknown, known: POLICIES }, 'the supergraph names policies this gateway does not know: their fields are refused to everyone');
  });

  // Operations' costs, read from each supergraph loaded (features/demand-control.ts).
  const demand = demandControl(options.demandControl, metrics.registry);
  gateway.onSchemaLoadOrUpdate((loaded) => demand.supergraphLoaded(loaded.coreSupergraphSdl));

  // The gateway's features, in the order a request passes them (pipeline/feature.ts).
  const features: GatewayFeature[] = [
    metrics.feature,
    tracing(),
    errorLogging(logger),
    graphqlOverHttp(),
    cachePolicy(),
    // Development: GraphiQL, also for a browser opening the endpoint itself.
    ...((options.explorer ?? !production) ? [explorer(GRAPHQL_PATH)] : []),
    decodeRequest(),
    persistedDocuments(options.persistedDocuments ?? { manifest: new Map(), only: false }),
    tokenBound(limits.maxTokens, documents),
    parseDocument(documents, limits.maxTokens),
    queryLimits(limits),
    validateDocument(documents, { schema: () => apiSchema, introspection, hideSuggestions: production }),
    demand.feature,
    rateLimits(options.rateLimits ?? DEFAULT_RATE_LIMITS, options.clientAddressHeader),
    viewerAdmission(identity?.verifyViewer),
    authorization({ platform: identity?.platform, directory: identity?.directory, documents, schema: () => apiSchema, requirements: () => requirements }),
    fieldRateLimits({ limits: options.fieldRateLimits ?? {}, documents, schema: () => apiSchema, clientAddressHeader: options.clientAddressHeader }),
    partialResults(),
    ...(merging ? [merging.feature] : []),
  ];

  const apollo = new ApolloServer<GatewayContext>({
    gateway: gateway as never,
    formatError,
    includeStacktraceInErrorResponses: false,
    // persisted-documents.ts resolves hashes (the manifest and APQ alike); Apollo only ever gets text.
    persistedQueries: false,
    // Documents the pipeline parsed and validated: Apollo never parses them again.
    documentStore: documents.apolloDocumentStore(() => apiSchema),
    parseOptions: { maxTokens: limits.maxTokens },
    // The features' hooks as one plugin (pipeline/combined-plugin.ts). No landing page in any mode: Apollo's
    // loads from its CDN (often unreachable from mainland China). No inline traces: they are a subgraph's, for its gateway.
    plugins: [combinedPlugin(features.flatMap((feature) => feature.apollo)), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    csrfPrevention: options.csrfPrevention ?? false,
    introspection,
    hideSchemaDetailsFromClientErrors: production,
    // The process runner owns termination signals; Apollo's own handlers would race it and stall stop().
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  await logProbes(probes, logger);
  if (production && !options.persistedDocuments?.only) {
    logger.warn(
      { persistedDocuments: options.persistedDocuments?.manifest.size ?? 0 },
      "production gateway runs any document clients send: set PERSISTED_DOCUMENTS and PERSISTED_DOCUMENTS_ONLY=true to run only your apps' documents",
    );
  }
  const metricsListener = options.metricsListener && (await startRouteListener(metrics.feature.routes, options.metricsListener));
  const publicRoutes = features.flatMap((feature) => (metricsListener && feature === metrics.feature ? [] : feature.routes));
  const pipeline = createPipeline(features, withSubscriptions(apolloExecution(apollo, identity?.directory), live));
  const sockets = clientSockets({
    pipeline,
    verifyViewer: identity?.verifyViewer,
    limits: options.socketLimits,
    clientAddressHeader: options.clientAddressHeader,
    logger,
  });
  identity?.onSessionEnded?.((sessionId) => sockets.sessionEnded(sessionId));
  const server = await startGraphQLHttpServer({
    apollo,
    path: GRAPHQL_PATH,
    host: options.host,
    port: options.port,
    // Its per-request log lines carry the request id themselves: no AsyncLocalStorage scope (telemetry.ts).
    serverSpan: inServerSpanUnscoped,
    onError: (error, requestId) => logger.error({ err: error, requestId }, 'request failed outside GraphQL'),
    routes: publicRoutes,
    readiness: [...(options.readiness ?? []), ...probes],
    handle: pipeline,
    sockets,
  });
  return {
    ...server,
    metricsUrl: metricsListener?.url,
    close: async (shutdown) => {
      await server.close(shutdown);
      live?.closeAll();
      await metricsListener?.close();
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

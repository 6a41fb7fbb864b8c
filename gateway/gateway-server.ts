/**
 * Wires the gateway: the static supergraph, one SubgraphDataSource per subgraph, Apollo Server, the
 * viewer verifier and the shared HTTP edge. Request in → viewer resolved → identity injected → subgraph answers.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { createErrorFormatter } from '../platform/graphql/format-error.js';
import { Headers } from '../platform/headers.js';
import { startGraphQLHttpServer, type RunningHttpServer } from '../platform/http/graphql-http-server.js';
import type { Logger } from '../platform/logger.js';
import { buildGatewayContext, type GatewayContext } from './gateway-context.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import type { DisclosureRecorder } from './disclosure-log.js';
import type { IdentityCacheStats } from './identity-cache.js';
import type { IdentityDirectory } from './identity-directory.js';
import { createGatewayMetrics } from './metrics.js';
import { SubgraphTransport } from './subgraph-transport.js';
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
  supergraphSdl: string;
  /** Subgraph URLs replacing the supergraph's, by subgraph name. */
  subgraphUrls?: Record<string, string>;
  identity?: GatewayIdentityOptions;
  logger: Logger;
  host?: string;
  port?: number;
  /** Merge identical concurrent subgraph queries carrying the same identity. @default true */
  dedupe?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export async function startGateway(options: GatewayOptions): Promise<RunningHttpServer> {
  const { identity } = options;
  const transport = new SubgraphTransport({ dedupe: options.dedupe });
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => {
      const target = options.subgraphUrls?.[name] ?? url;
      if (!target) throw new Error(`subgraph "${name}" has no URL`);
      if (!identity) return new SubgraphDataSource(name, target, undefined, transport);
      const secret = identity.subgraphSecrets[name];
      if (!secret) throw new Error(`subgraph "${name}" has no signing secret: add it to the platform config's subgraphs`);
      // Identities change only through the identity subgraph, so only its mutations refresh the cache.
      const afterMutation = name === identity.platform.config.identitySubgraph ? identity.afterIdentityMutation : undefined;
      return new SubgraphDataSource(name, target, { platform: identity.platform, secret, afterMutation, onDisclosed: identity.onDisclosed }, transport);
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: gateway as never,
    formatError: createErrorFormatter(options.logger),
    includeStacktraceInErrorResponses: false,
    // The process runner owns termination signals; Apollo's own handlers would race it and stall stop().
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const metrics = createGatewayMetrics(transport, identity?.cacheStats);
  const server = await startGraphQLHttpServer({
    apollo,
    host: options.host,
    port: options.port,
    onError: (error) => options.logger.error({ err: error }, 'request failed outside GraphQL'),
    routes: [{ method: 'GET', path: '/healthz', handle: (_req, res) => void res.writeHead(200).end('ok') }, metrics.route],
    context: async (req) => {
      metrics.requests.inc();
      const given = req.headers[Headers.requestId];
      const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      const authorization = req.headers[Headers.authorization];
      const viewer = identity ? await identity.verifyViewer(typeof authorization === 'string' ? authorization : undefined) : undefined;
      return buildGatewayContext(requestId, viewer, identity?.directory);
    },
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      await transport.close();
    },
  };
}

/**
 * How every subgraph of this platform is served: a federation subgraph schema on Apollo Server behind
 * the shared HTTP edge, with the gateway's injected identity verified before any resolver runs.
 * A forged, stale or unsigned identity is answered 401 and never reaches the resolvers. A schema with a
 * Subscription type is served over WebSocket too, its identity verified per subscription.
 */
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode } from 'graphql';
import {
  IDENTITY_REFUSAL_MESSAGE,
  IDENTITY_SIGNATURE_INVALID,
  deliberateErrors,
  maskedErrorLogging,
  maskingFormatter,
  type PublicErrorRule,
  type RequestLogIds,
} from './errors.js';
import { startGraphQLHttpServer, type RunningHttpServer, type ServerSpan } from './graphql-http-server.js';
import type { RawRoute } from './raw-route.js';
import { HttpError } from './http-error.js';
import { identityKey, type IdentityClaims } from './identity-assertion.js';
import type { SubgraphLogger } from './logger.js';
import type { ResolverMap } from './resolver-map.js';
import { subscriptionSockets, type SubscriptionSocketSettings } from './subscription-sockets.js';
import { verifyWithKeys } from './verify-identity.js';
import type { ReadinessCheck } from './health.js';

export interface SubgraphOptions<TContext extends BaseContext> {
  /** The subgraph's name in the platform config (what its identity claims are addressed to). */
  name: string;
  typeDefs: DocumentNode;
  resolvers: ResolverMap<TContext>;
  /** The secret shared with the gateway for this subgraph; during a rotation `[current, previous]`, either verifies. */
  identitySecret: string | readonly string[];
  /** Builds the resolvers' context from the verified identity (undefined: anonymous). */
  context(identity: IdentityClaims | undefined, requestId: string): Promise<TContext> | TContext;
  logger: SubgraphLogger;
  /** Which errors clients may see; the rest are masked and logged. @default deliberate errors (a GraphQLError with a code) */
  publicError?: PublicErrorRule;
  host?: string;
  port?: number;
  routes?: RawRoute[];
  /** Traces each request (the platform passes its OpenTelemetry server span). @default no tracing */
  serverSpan?: ServerSpan;
  /** What /readyz checks (e.g. the service's database). */
  readiness?: ReadinessCheck[];
  /** More Apollo Server plugins (the identity subgraph reports new sessions through one). */
  plugins?: ApolloServerPlugin<TContext>[];
  /**
   * GraphQL subscriptions over WebSocket (`graphql-transport-ws`) on the GraphQL path, each verifying the
   * gateway's identity as the kit README's "Subscriptions" section says. `false` refuses every upgrade.
   * @default served with the default bounds when the schema has a Subscription type, else off
   */
  subscriptions?: SubscriptionSocketSettings | false;
}

export async function startSubgraph<TContext extends BaseContext & RequestLogIds>(options: SubgraphOptions<TContext>): Promise<RunningHttpServer> {
  const schema = buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers } as unknown as Parameters<typeof buildSubgraphSchema>[0]);
  const apollo = new ApolloServer<TContext>({
    schema,
    formatError: maskingFormatter(options.publicError ?? deliberateErrors),
    includeStacktraceInErrorResponses: false,
    // The process runner owns termination signals; Apollo's own handlers would race it and stall stop().
    stopOnTerminationSignals: false,
    // Federated traces would tell any caller how long each resolver took; this platform reports none.
    // No landing page: Apollo's loads from its CDN.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      maskedErrorLogging(options.logger, options.publicError ?? deliberateErrors),
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();
  const keys = (typeof options.identitySecret === 'string' ? [options.identitySecret] : options.identitySecret).map(identityKey);
  return startGraphQLHttpServer({
    apollo,
    host: options.host,
    port: options.port,
    serverSpan: options.serverSpan,
    routes: options.routes,
    readiness: options.readiness,
    sockets:
      options.subscriptions !== false && schema.getSubscriptionType()
        ? subscriptionSockets({
            ...options.subscriptions,
            schema,
            subgraph: options.name,
            identitySecret: options.identitySecret,
            context: options.context,
            logger: options.logger,
            publicError: options.publicError,
          })
        : undefined,
    onError: (error, requestId) => options.logger.error({ err: error, requestId }, 'request failed outside GraphQL'),
    context: async (req) => {
      const verified = verifyWithKeys(req, keys, options.name);
      const { requestId } = req;
      if (!verified.ok) {
        options.logger.warn({ requestId, reason: verified.reason }, 'refused an injected identity');
        throw new HttpError(401, IDENTITY_SIGNATURE_INVALID, IDENTITY_REFUSAL_MESSAGE);
      }
      return options.context(verified.claims, requestId);
    },
  });
}

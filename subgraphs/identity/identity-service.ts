/**
 * Wires the identity subgraph from its options: store, WeChat client, vault, tokens, sessions, login,
 * linking (nonces, consents, merges, audit), the GraphQL subgraph, the JWKS and the bridge pages.
 * `main.ts` turns the environment into these options.
 */
import { createHmac } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { JWKS_PATH } from '../../platform/identity/access-token.js';
import { databaseCheck, loadTypeDefs, OK, startSubgraph, type RunningHttpServer, type ShutdownOptions } from '@identity-federation-gateway/subgraph-kit';
import { isPublicCode } from '../../platform/graphql/format-error.js';
import { inServerSpan } from '../../platform/telemetry.js';
import type { Logger } from '../../platform/logger.js';
import { WechatClient, type WechatClientOptions } from '../../platform/wechat/wechat-client.js';
import { AccessTokenIssuer } from './access-tokens.js';
import type { AuditLog } from './audit-log.js';
import { buildIdentityContext, type IdentityContext } from './context.js';
import { startRouteListener, type ListenAddress } from '../../platform/process/route-listener.js';
import { IdentityMetrics } from './identity-metrics.js';
import { IdentityStore } from './identity-store.js';
import { LinkNonces } from './link-nonces.js';
import { LinkService } from './linking.js';
import { LinkingFlows } from './linking-flows.js';
import { LoginService } from './login.js';
import { MerchantAssertionVerifier } from './merchant-assertions.js';
import type { ErasureOutbox, ErasureOutboxOptions } from './erasure-outbox.js';
import { MergeService, type AfterStep, type MergeResumeOptions } from './merges.js';
import { privacyRightsFor, type PrivacyRights } from './privacy-rights.js';
import { newSessionsPlugin } from './new-sessions.js';
import { BRIDGE_START_PATH, bridgeRoutes } from './oa-bridge-routes.js';
import { resolvers } from './resolvers.js';
import { SessionKeyVault } from './session-key-vault.js';
import { SessionService } from './sessions.js';
import { withStoreOutageCode } from './store-outage.js';
import { ThirdPartyPlatform } from './third-party-platform.js';
import { throttledOutageLog } from '../../platform/identity-store/unavailable.js';

export interface IdentityServiceOptions {
  platform: PlatformIndex;
  connection: Connection;
  wechat: WechatClientOptions;
  /** WeChat's OAuth authorize host. @default "https://open.weixin.qq.com" */
  oauthAuthorizeBase?: string;
  /** This service's public origin for the bridge pages. @default the address it listens on */
  publicOrigin?: string;
  secretOf(envName: string): string | undefined;
  /** The secret the gateway signs this subgraph's identities with; during a rotation [current, previous]. */
  identitySecret: string | readonly string[];
  /** PKCS#8 PEM; a throwaway key pair when absent (development). */
  jwtPrivateKeyPem?: string;
  /** 32 bytes: encrypts session keys, and keys the bridge's official-account OpenID digests. */
  dataKey: Buffer;
  logger: Logger;
  host?: string;
  port?: number;
  /** Access token lifetime. @default ACCESS_TOKEN_TTL_SECONDS (15 minutes); tests shorten it to see tokens expire. */
  accessTokenTtlSeconds?: number;
  /** Tests only: observe (or interrupt) merges after each step. */
  afterMergeStep?: AfterStep;
  /** How half-done merges (a link cut short by a store outage) are found and finished. */
  mergeResume?: MergeResumeOptions;
  /** Delivery of erasure notices to merchants (poll and backoff timings). */
  erasureOutbox?: Pick<ErasureOutboxOptions, 'pollMs' | 'baseBackoffMs' | 'maxBackoffMs' | 'timeoutMs'>;
  /** Serve /metrics on a listener of its own here, not on the service's port (METRICS_PORT). @default the service's port */
  metricsListener?: ListenAddress;
}

export interface IdentityService {
  readonly url: string;
  readonly jwksUrl: string;
  readonly store: IdentityStore;
  readonly audit: AuditLog;
  readonly privacy: PrivacyRights;
  readonly outbox: ErasureOutbox;
  /** Where /metrics is served when it has a listener of its own. */
  readonly metricsUrl?: string;
  close(shutdown?: ShutdownOptions): Promise<void>;
}

export async function startIdentityService(options: IdentityServiceOptions): Promise<IdentityService> {
  const { platform, logger } = options;
  const store = new IdentityStore(options.connection);
  await store.init();
  const { models } = store;
  const metrics = new IdentityMetrics(platform);
  const wechat = new WechatClient({ ...options.wechat, onFailure: (path, errcode) => metrics.wechatError(path, errcode) });
  const issuer = await AccessTokenIssuer.create(options.jwtPrivateKeyPem, options.accessTokenTtlSeconds);
  const sessions = new SessionService(store, issuer, undefined, metrics);
  const { audit, consents, outbox, privacy } = privacyRightsFor(models, platform, { ...options.erasureOutbox, secretOf: options.secretOf, logger });
  const merges = new MergeService(models, audit, undefined, options.afterMergeStep);
  const resumed = await merges.resumePending();
  if (resumed) logger.warn({ resumed }, 'finished merges an earlier process left half done');
  const stopResumingMerges = merges.resumeIdle(
    options.mergeResume ?? {},
    (count) => logger.warn({ resumed: count }, 'finished merges a failed request left half done'),
    (error) => logger.debug({ err: (error as Error).message }, 'half-done merges not readable now; retrying later'),
  );
  const linking = new LinkingFlows({
    platform,
    models,
    store,
    nonces: new LinkNonces(models),
    links: new LinkService(models, merges, audit, undefined, metrics),
    consents,
    assertions: new MerchantAssertionVerifier(platform),
    wechat,
    secretOf: options.secretOf,
    bridgeKeySecret: createHmac('sha256', options.dataKey).update('official-account bridge').digest(),
    logger,
  });
  const tpp = platform.config.thirdPartyPlatform;
  const thirdParty = tpp ? new ThirdPartyPlatform({ config: tpp, models, wechat, secretOf: options.secretOf, logger }) : undefined;
  const login = new LoginService({
    platform,
    wechat,
    secretOf: options.secretOf,
    store,
    vault: new SessionKeyVault(options.dataKey),
    sessions,
    linking,
    audit,
    thirdParty,
    logger,
    metrics,
  });

  let origin = options.publicOrigin ?? '';
  const publicOrigin = () => origin;
  const bridgeStartUrl = (nonce: string) => `${publicOrigin()}${BRIDGE_START_PATH}?nonce=${nonce}`;
  const jwks = JSON.stringify(issuer.jwks());
  const officialAccountAppId = platform.config.platform.officialAccountAppId;
  const metricsListener = options.metricsListener && (await startRouteListener([metrics.route()], options.metricsListener));
  const server: RunningHttpServer = await startSubgraph<IdentityContext>({
    name: platform.config.identitySubgraph,
    typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
    resolvers: withStoreOutageCode(resolvers, throttledOutageLog(logger, 'identity store unreachable: answering IDENTITY_STORE_UNAVAILABLE')),
    identitySecret: options.identitySecret,
    context: (claims, requestId) => buildIdentityContext({ store, login, sessions, linking, consents, privacy, platform, bridgeStartUrl }, claims, requestId),
    plugins: [newSessionsPlugin()],
    logger,
    // The platform's own subgraph answers only codes of the platform's registry.
    publicError: (code) => isPublicCode(code),
    serverSpan: inServerSpan,
    host: options.host,
    port: options.port,
    readiness: [
      databaseCheck('identityStore', options.connection),
      { name: 'signingKeys', check: async () => (issuer.jwks().keys.length > 0 ? OK : { ok: false, reason: 'no signing key loaded' }) },
    ],
    routes: [
      {
        method: 'GET',
        path: JWKS_PATH,
        handle: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
          res.end(jwks);
        },
      },
      ...(metricsListener ? [] : [metrics.route()]),
      ...(thirdParty ? [thirdParty.eventsRoute()] : []),
      ...(officialAccountAppId
        ? bridgeRoutes({
            flows: linking,
            officialAccountAppId,
            authorizeBase: options.oauthAuthorizeBase ?? 'https://open.weixin.qq.com',
            publicOrigin,
            logger,
          })
        : []),
    ],
  });
  origin ||= new URL(server.url).origin;
  outbox.start();
  return {
    url: server.url,
    jwksUrl: `${new URL(server.url).origin}${JWKS_PATH}`,
    store,
    audit,
    privacy,
    outbox,
    metricsUrl: metricsListener?.url,
    close: async (shutdown) => {
      await outbox.stop();
      await stopResumingMerges();
      await server.close(shutdown);
      await metricsListener?.close();
    },
  };
}

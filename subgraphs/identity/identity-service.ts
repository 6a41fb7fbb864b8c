/**
 * Wires the identity subgraph from its options: store, WeChat client, vault, tokens, sessions, login,
 * linking (nonces, consents, merges, audit), the GraphQL subgraph, the JWKS and the bridge pages.
 * `main.ts` turns the environment into these options.
 */
import { createHmac } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { JWKS_PATH } from '../../platform/identity/access-token.js';
import type { RunningHttpServer } from '../kit/graphql-http-server.js';
import type { Logger } from '../../platform/logger.js';
import { WechatClient, type WechatClientOptions } from '../../platform/wechat/wechat-client.js';
import { loadTypeDefs } from '../kit/schema-file.js';
import { startSubgraph } from '../kit/start-subgraph.js';
import { AccessTokenIssuer } from './access-tokens.js';
import { AuditLog } from './audit-log.js';
import { Consents } from './consents.js';
import { buildIdentityContext, type IdentityContext } from './context.js';
import { IdentityMetrics } from './identity-metrics.js';
import { IdentityStore } from './identity-store.js';
import { LinkNonces } from './link-nonces.js';
import { LinkService } from './linking.js';
import { LinkingFlows } from './linking-flows.js';
import { LoginService } from './login.js';
import { MerchantAssertionVerifier } from './merchant-assertions.js';
import { MergeService, type AfterStep } from './merges.js';
import { newSessionsPlugin } from './new-sessions.js';
import { BRIDGE_START_PATH, bridgeRoutes } from './oa-bridge-routes.js';
import { resolvers } from './resolvers.js';
import { SessionKeyVault } from './session-key-vault.js';
import { SessionService } from './sessions.js';
import { ThirdPartyPlatform } from './third-party-platform.js';

export interface IdentityServiceOptions {
  platform: PlatformIndex;
  connection: Connection;
  wechat: WechatClientOptions;
  /** WeChat's OAuth authorize host. @default "https://open.weixin.qq.com" */
  oauthAuthorizeBase?: string;
  /** This service's public origin for the bridge pages. @default the address it listens on */
  publicOrigin?: string;
  secretOf(envName: string): string | undefined;
  /** The secret the gateway signs this subgraph's identities with. */
  identitySecret: string;
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
}

export interface IdentityService {
  readonly url: string;
  readonly jwksUrl: string;
  readonly store: IdentityStore;
  readonly audit: AuditLog;
  close(): Promise<void>;
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
  const audit = new AuditLog(models);
  const merges = new MergeService(models, audit, undefined, options.afterMergeStep);
  const resumed = await merges.resumePending();
  if (resumed) logger.warn({ resumed }, 'finished merges an earlier process left half done');
  const consents = new Consents(models, audit);
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
    thirdParty,
    logger,
    metrics,
  });

  let origin = options.publicOrigin ?? '';
  const publicOrigin = () => origin;
  const bridgeStartUrl = (nonce: string) => `${publicOrigin()}${BRIDGE_START_PATH}?nonce=${nonce}`;
  const jwks = JSON.stringify(issuer.jwks());
  const officialAccountAppId = platform.config.platform.officialAccountAppId;
  const server: RunningHttpServer = await startSubgraph<IdentityContext>({
    name: platform.config.identitySubgraph,
    typeDefs: loadTypeDefs(new URL('./schema.graphql', import.meta.url)),
    resolvers,
    identitySecret: options.identitySecret,
    context: (claims, requestId) => buildIdentityContext({ store, login, sessions, linking, consents, bridgeStartUrl }, claims, requestId),
    plugins: [newSessionsPlugin()],
    logger,
    host: options.host,
    port: options.port,
    routes: [
      {
        method: 'GET',
        path: JWKS_PATH,
        handle: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
          res.end(jwks);
        },
      },
      metrics.route(),
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
  return { url: server.url, jwksUrl: `${new URL(server.url).origin}${JWKS_PATH}`, store, audit, close: () => server.close() };
}

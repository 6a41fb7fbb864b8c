/**
 * Wires the identity subgraph from its options: store, WeChat client, vault, tokens, sessions, login,
 * the GraphQL subgraph and the JWKS route. `main.ts` turns the environment into these options.
 */
import type { Connection } from 'mongoose';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { JWKS_PATH } from '../../platform/identity/access-token.js';
import type { RunningHttpServer } from '../../platform/http/graphql-http-server.js';
import type { Logger } from '../../platform/logger.js';
import { WechatClient, type WechatClientOptions } from '../../platform/wechat/wechat-client.js';
import { startSubgraph } from '../kit/start-subgraph.js';
import { AccessTokenIssuer } from './access-tokens.js';
import { buildIdentityContext, type IdentityContext } from './context.js';
import { IdentityStore } from './identity-store.js';
import { LoginService } from './login.js';
import { resolvers } from './resolvers.js';
import { typeDefs } from './schema.js';
import { SessionKeyVault } from './session-key-vault.js';
import { SessionService } from './sessions.js';

export interface IdentityServiceOptions {
  platform: PlatformIndex;
  connection: Connection;
  wechat: WechatClientOptions;
  secretOf(envName: string): string | undefined;
  /** The secret the gateway signs this subgraph's identities with. */
  identitySecret: string;
  /** PKCS#8 PEM; a throwaway key pair when absent (development). */
  jwtPrivateKeyPem?: string;
  /** 32 bytes for the session-key vault. */
  dataKey: Buffer;
  logger: Logger;
  host?: string;
  port?: number;
}

export interface IdentityService {
  readonly url: string;
  readonly jwksUrl: string;
  readonly store: IdentityStore;
  close(): Promise<void>;
}

export async function startIdentityService(options: IdentityServiceOptions): Promise<IdentityService> {
  const store = new IdentityStore(options.connection);
  await store.init();
  const issuer = await AccessTokenIssuer.create(options.jwtPrivateKeyPem);
  const sessions = new SessionService(store, issuer);
  const login = new LoginService({
    platform: options.platform,
    wechat: new WechatClient(options.wechat),
    secretOf: options.secretOf,
    store,
    vault: new SessionKeyVault(options.dataKey),
    sessions,
    logger: options.logger,
  });
  const jwks = JSON.stringify(issuer.jwks());
  const server: RunningHttpServer = await startSubgraph<IdentityContext>({
    name: options.platform.config.identitySubgraph,
    typeDefs,
    resolvers,
    identitySecret: options.identitySecret,
    context: (claims, requestId) => buildIdentityContext({ store, login, sessions }, claims, requestId),
    logger: options.logger,
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
    ],
  });
  const origin = new URL(server.url).origin;
  return { url: server.url, jwksUrl: `${origin}${JWKS_PATH}`, store, close: () => server.close() };
}

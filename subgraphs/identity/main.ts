/** `npm run start:identity`: the identity subgraph as its own process, configured by the environment. */
import { randomBytes } from 'node:crypto';
import type { Environment } from '../../platform/env.js';
import { MONGODB_URI, platformChecks, subgraphSecret, wechatSecrets, type StartupChecks } from '../../platform/process/requirements.js';
import { required, runService } from '../../platform/process/run-service.js';
import { connectDatabase, platformFrom, subgraphPort, subgraphSecrets } from '../../platform/process/service-setup.js';
import { startIdentityService } from './identity-service.js';

/** What the identity service needs: the store, WeChat, its keys (production), and every secret WeChat and the gateway share with it. */
const identityRequires = (env: Environment): StartupChecks =>
  platformChecks(env, (config) => [...subgraphSecret(config, config.identitySubgraph), ...wechatSecrets(config)], [
    MONGODB_URI,
    { variable: 'WECHAT_API_BASE', purpose: "WeChat's API base URL, https://api.weixin.qq.com (npm start sets its WeChat simulator's)" },
    {
      variable: 'IDENTITY_JWT_PRIVATE_KEY',
      productionOnly: true,
      purpose: 'the ES256 private key (PKCS#8 PEM) that signs access tokens; make one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256',
    },
    {
      variable: 'IDENTITY_DATA_KEY',
      productionOnly: true,
      purpose: '32 random bytes, base64, that encrypt WeChat session keys at rest; make one with: openssl rand -base64 32',
    },
  ]);

await runService(
  'identity',
  async (env, logger) => {
    const platform = platformFrom(env);
    if (!env.IDENTITY_DATA_KEY) logger.warn('IDENTITY_DATA_KEY is not set: using a throwaway key (stored session keys become unreadable on restart)');
    const connection = await connectDatabase(env, 'identity');
    const service = await startIdentityService({
      platform,
      connection,
      wechat: { baseUrl: required(env.WECHAT_API_BASE, 'WECHAT_API_BASE is not set: use https://api.weixin.qq.com, or the simulator in development') },
      oauthAuthorizeBase: env.WECHAT_OAUTH_BASE,
      publicOrigin: env.IDENTITY_PUBLIC_URL,
      secretOf: env.secret,
      identitySecret: subgraphSecrets(env, platform, platform.config.identitySubgraph),
      jwtPrivateKeyPem: env.IDENTITY_JWT_PRIVATE_KEY,
      dataKey: env.IDENTITY_DATA_KEY ? Buffer.from(env.IDENTITY_DATA_KEY, 'base64') : randomBytes(32),
      logger,
      host: env.HOST,
      port: env.PORT ?? subgraphPort(env, platform, platform.config.identitySubgraph),
      metricsListener: env.METRICS_PORT === undefined ? undefined : { host: env.METRICS_HOST, port: env.METRICS_PORT },
    });
    logger.info({ url: service.url, jwks: service.jwksUrl, metrics: service.metricsUrl }, 'identity subgraph ready');
    return {
      close: async (shutdown) => {
        await service.close(shutdown);
        await connection.close();
      },
    };
  },
  { requires: identityRequires },
);

/** `npm run start:identity`: the identity subgraph as its own process, configured by the environment. */
import { randomBytes } from 'node:crypto';
import { EnvironmentError } from '../../platform/env.js';
import { required, runService } from '../../platform/process/run-service.js';
import { connectDatabase, platformFrom, subgraphPort, subgraphSecrets } from '../../platform/process/service-setup.js';
import { startIdentityService } from './identity-service.js';

await runService('identity', async (env, logger) => {
  const platform = platformFrom(env);
  if (env.NODE_ENV === 'production' && (!env.IDENTITY_JWT_PRIVATE_KEY || !env.IDENTITY_DATA_KEY)) {
    throw new EnvironmentError('IDENTITY_JWT_PRIVATE_KEY and IDENTITY_DATA_KEY must be set in production');
  }
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
  });
  logger.info({ url: service.url, jwks: service.jwksUrl }, 'identity subgraph ready');
  return {
    close: async (shutdown) => {
      await service.close(shutdown);
      await connection.close();
    },
  };
});

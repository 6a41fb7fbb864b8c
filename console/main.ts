/**
 * `npm run start:console`: the operator console as its own process, on CONSOLE_PORT (default 4020),
 * reading the identity database. It queues erasure notices; the identity service delivers them.
 */
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../platform/env.js';
import { identityModels } from '../platform/identity-store/models.js';
import { runService } from '../platform/process/run-service.js';
import { connectDatabase, platformFrom } from '../platform/process/service-setup.js';
import { privacyRightsFor } from '../subgraphs/identity/privacy-api.js';
import { startConsole } from './console-server.js';
import { loadOperators } from './operators.js';

const DEV_OPERATORS = fileURLToPath(new URL('./dev-operators.json', import.meta.url));

await runService('console', async (env, logger) => {
  if (env.NODE_ENV === 'production' && !env.CONSOLE_OPERATORS)
    throw new EnvironmentError('CONSOLE_OPERATORS must name the operator accounts file in production');
  let operators;
  try {
    operators = loadOperators(env.CONSOLE_OPERATORS ?? DEV_OPERATORS);
  } catch (error) {
    throw new EnvironmentError((error as Error).message);
  }
  const platform = platformFrom(env);
  const connection = await connectDatabase(env, 'identity');
  const models = identityModels(connection);
  const { audit, privacy } = privacyRightsFor(models, platform, { secretOf: env.secret, logger });
  const server = await startConsole({
    models,
    privacy,
    audit,
    operators,
    secureCookies: env.NODE_ENV === 'production',
    logger,
    host: env.HOST,
    port: env.PORT ?? env.CONSOLE_PORT,
  });
  logger.info({ url: server.url, operators: env.CONSOLE_OPERATORS ?? 'development accounts' }, 'operator console ready');
  return {
    close: async () => {
      await server.close();
      await connection.close();
    },
  };
});

/**
 * `npm run start:console`: the operator console as its own process, on CONSOLE_PORT (default 4020),
 * reading the identity database. It queues erasure notices; the identity service delivers them.
 */
import { fileURLToPath } from 'node:url';
import { EnvironmentError, type Environment } from '../platform/env.js';
import { MONGODB_URI, platformChecks, type StartupChecks } from '../platform/process/requirements.js';
import { identityModels } from '../platform/identity-store/models.js';
import { runService } from '../platform/process/run-service.js';
import { connectDatabase, platformFrom } from '../platform/process/service-setup.js';
import { privacyRightsFor } from '../subgraphs/identity/privacy-api.js';
import { startConsole } from './console-server.js';
import { loadOperators } from './operators.js';

const DEV_OPERATORS = fileURLToPath(new URL('./dev-operators.json', import.meta.url));

/** What the console needs: the identity store, and in production its operator accounts. */
const consoleRequires = (env: Environment): StartupChecks =>
  platformChecks(env, () => [], [
    MONGODB_URI,
    {
      variable: 'CONSOLE_OPERATORS',
      productionOnly: true,
      purpose: 'the operator accounts file (JSON: names, roles, passwords as scrypt hashes from npm run console:hash)',
    },
  ]);

await runService(
  'console',
  async (env, logger) => {
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
  },
  { requires: consoleRequires },
);

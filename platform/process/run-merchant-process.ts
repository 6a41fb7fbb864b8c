/**
 * The process entry of a merchant subgraph (`npm run start:coupons`, ...): finds the merchant that owns
 * the subgraph in the platform config, connects its own database, starts it, and stops it cleanly.
 */
import type { Connection } from 'mongoose';
import type { Environment } from '../env.js';
import type { RunningHttpServer } from '../../subgraphs/kit/graphql-http-server.js';
import type { Logger } from '../logger.js';
import { runService } from './run-service.js';
import { connectDatabase, platformFrom, subgraphSecret } from './service-setup.js';

export interface MerchantProcessStart {
  merchantId: string;
  subgraphName: string;
  connection: Connection;
  identitySecret: string;
  logger: Logger;
  host: string;
  port: number;
}

export function runMerchantProcess(
  subgraphName: string,
  defaultDatabase: string,
  portOf: (env: Environment) => number,
  start: (options: MerchantProcessStart) => Promise<RunningHttpServer>,
): Promise<void> {
  return runService(subgraphName, async (env, logger) => {
    const platform = platformFrom(env);
    const merchant = platform.merchantBySubgraph(subgraphName);
    if (!merchant) throw new Error(`no merchant owns the ${subgraphName} subgraph in the platform config`);
    const connection = await connectDatabase(env, defaultDatabase);
    const server = await start({
      merchantId: merchant.id,
      subgraphName,
      connection,
      identitySecret: subgraphSecret(env, platform, subgraphName),
      logger,
      host: env.HOST,
      port: env.PORT ?? portOf(env),
    });
    logger.info({ url: server.url, merchant: merchant.id }, `${subgraphName} subgraph ready`);
    return {
      close: async () => {
        await server.close();
        await connection.close();
      },
    };
  });
}

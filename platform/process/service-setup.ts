/** Start-up steps every service process shares: its platform config, its database, its signing secret. */
import mongoose, { type Connection } from 'mongoose';
import { loadPlatformConfig } from '../config/platform-config.js';
import { indexPlatform, type PlatformIndex } from '../config/platform-index.js';
import { requireSecret, type Environment } from '../env.js';
import { refuseDevelopmentSettings } from './production-guard.js';
import { required } from './run-service.js';

/** The platform config; in production, also refuses the demo config and development secrets. */
export function platformFrom(env: Environment): PlatformIndex {
  const config = loadPlatformConfig(env.PLATFORM_CONFIG);
  refuseDevelopmentSettings(env, config);
  return indexPlatform(config);
}

/** Connects to the service's database (MONGODB_DB, else the service's default name). */
export async function connectDatabase(env: Environment, defaultDb: string): Promise<Connection> {
  const uri = required(env.MONGODB_URI, 'MONGODB_URI is not set: point it at MongoDB (npm start provides an embedded development server)');
  return mongoose.createConnection(uri, { dbName: env.MONGODB_DB ?? defaultDb, serverSelectionTimeoutMS: 10_000 }).asPromise();
}

/** The secret the gateway and `subgraph` share, by the variable the platform config names. */
export function subgraphSecret(env: Environment, platform: PlatformIndex, subgraph: string): string {
  const config = platform.subgraph(subgraph);
  if (!config) throw new Error(`subgraph "${subgraph}" is not in the platform config`);
  return requireSecret(env, config.identitySecretEnv, `the secret that signs identities sent to the ${subgraph} subgraph`);
}

/** Start-up steps every service process shares: its platform config, its database, its signing secret. */
import mongoose, { type ConnectOptions, type Connection } from 'mongoose';
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

/**
 * How every service talks to MongoDB so that an outage fails fast instead of hanging requests: no server
 * found within `timeoutMs` (stopped, unreachable), no new connection set up within it, or no reply within
 * it (hung, partitioned), fails the operation with the driver's error, which the services map to a code. Mongoose does not queue operations
 * while disconnected (its queue would turn an outage into a 10 s wait and a driverless error).
 */
export const storeConnectionOptions = (timeoutMs: number): ConnectOptions => ({
  serverSelectionTimeoutMS: timeoutMs,
  connectTimeoutMS: timeoutMs,
  socketTimeoutMS: timeoutMs,
  bufferCommands: false,
});

/** Connects to the service's database (MONGODB_DB, else the service's default name). */
export async function connectDatabase(env: Environment, defaultDb: string): Promise<Connection> {
  const uri = required(env.MONGODB_URI, 'MONGODB_URI is not set: point it at MongoDB (npm start provides an embedded development server)');
  return mongoose.createConnection(uri, { dbName: env.MONGODB_DB ?? defaultDb, ...storeConnectionOptions(env.MONGODB_TIMEOUT_MS) }).asPromise();
}

/** The secret the gateway and `subgraph` share, by the variable the platform config names. */
export function subgraphSecret(env: Environment, platform: PlatformIndex, subgraph: string): string {
  const config = platform.subgraph(subgraph);
  if (!config) throw new Error(`subgraph "${subgraph}" is not in the platform config`);
  return requireSecret(env, config.identitySecretEnv, `the secret that signs identities sent to the ${subgraph} subgraph`);
}

/**
 * What a subgraph accepts identities signed with: its current secret and, during a rotation, the previous
 * one in `<its secret variable>_PREVIOUS` (e.g. COUPONS_SUBGRAPH_SECRET_PREVIOUS). The gateway signs with
 * the current one only, so subgraphs take the new secret first, then the gateway, then PREVIOUS is dropped.
 */
export function subgraphSecrets(env: Environment, platform: PlatformIndex, subgraph: string): string[] {
  const current = subgraphSecret(env, platform, subgraph);
  const previousName = `${platform.subgraph(subgraph)!.identitySecretEnv}_PREVIOUS`;
  return env.secret(previousName) === undefined
    ? [current]
    : [current, requireSecret(env, previousName, `the previous secret of the ${subgraph} subgraph, during a rotation`)];
}

/** The port a subgraph listens on: `<NAME>_PORT` if set, else the port of its URL in the platform config. */
export function subgraphPort(env: Environment, platform: PlatformIndex, subgraph: string): number {
  const config = platform.subgraph(subgraph);
  if (!config) throw new Error(`subgraph "${subgraph}" is not in the platform config`);
  const url = new URL(config.url);
  return env.subgraphPort(subgraph) ?? (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);
}

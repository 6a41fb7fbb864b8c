/**
 * The whole platform as child processes, as `npm start` and `npm run dev:subgraph` run it: the embedded
 * MongoDB-compatible server and the WeChat simulator (only when MONGODB_URI / WECHAT_API_BASE are unset),
 * then every subgraph of the supergraph config (SUPERGRAPH_CONFIG) and the gateway, exactly as they run in
 * production.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { PlatformConfig } from '../platform/config/platform-config.js';
import { indexPlatform } from '../platform/config/platform-index.js';
import type { Environment } from '../platform/env.js';
import { loadSupergraphConfig } from '../schema/supergraph-config.js';
import { COMPONENT_EVENTS_PATH } from '../subgraphs/identity/third-party-platform.js';
import { startChild, stopChildren, waitHealthy, type Child } from './child-process.js';
import { GATEWAY, launchPlan, subgraphUrls as urlsOf, type LaunchedProcess } from './launch-plan.js';
import { startMongoDevServer, type MongoDevServer } from './mongo/server.js';
import { startWechatSimulator, type WechatSimulator } from './wechat/server.js';

export interface PlatformLaunchOptions {
  env: Environment;
  /** The environment handed to every child (the launcher's own, plus anything it adds). */
  childEnv: NodeJS.ProcessEnv;
  config: PlatformConfig;
  /** Every secret the config names, by variable name. */
  secrets: Record<string, string>;
  /** Subgraphs of this repository not to start (a foreign service replaces them). */
  skip?: string[];
  /** Subgraph URLs for the gateway beyond the ones started here (foreign subgraphs). */
  extraSubgraphUrls?: Record<string, string>;
  /** How long each component may take to become healthy. @default 30000 */
  startTimeoutMs?: number;
}

export interface RunningPlatform {
  mongo: MongoDevServer | undefined;
  wechat: WechatSimulator | undefined;
  dataDir: string;
  children: Child[];
  /** What was started, where (the gateway last). */
  plan: LaunchedProcess[];
  /** Stops every child, then the simulator and the database server. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Starts everything and resolves once every component answers /healthz; on failure stops what it started. */
export async function launchPlatform(options: PlatformLaunchOptions): Promise<RunningPlatform> {
  const { env, config, secrets } = options;
  const children: Child[] = [];
  const dataDir = env.DATA_DIR ?? join(process.cwd(), '.data', 'mongo');
  let mongo: MongoDevServer | undefined;
  let wechat: WechatSimulator | undefined;
  const close = async () => {
    await stopChildren(children);
    await wechat?.close();
    await mongo?.close();
  };
  try {
    if (!env.MONGODB_URI) mongo = await startMongoDevServer({ host: HOST, port: env.MONGO_DEV_PORT, dataDir });
    if (!env.WECHAT_API_BASE) wechat = await startWechatSimulator({ config, secretOf: (name) => secrets[name], host: HOST, port: env.WECHAT_SIM_PORT });

    const base = `http://${HOST}`;
    const plan = launchPlan(env, indexPlatform(config), loadSupergraphConfig(env.SUPERGRAPH_CONFIG)).filter((p) => !options.skip?.includes(p.name));
    const identityPort = plan.find((p) => p.name === config.identitySubgraph)?.port ?? env.subgraphPort(config.identitySubgraph);
    const subgraphUrls = {
      ...Object.fromEntries(
        urlsOf(plan, base)
          .split(',')
          .map((pair) => pair.split('=') as [string, string]),
      ),
      ...options.extraSubgraphUrls,
    };
    const childEnv: NodeJS.ProcessEnv = {
      ...options.childEnv,
      ...secrets,
      MONGODB_URI: env.MONGODB_URI ?? mongo!.uri(),
      WECHAT_API_BASE: env.WECHAT_API_BASE ?? wechat!.url,
      WECHAT_OAUTH_BASE: env.WECHAT_OAUTH_BASE ?? wechat?.url ?? 'https://open.weixin.qq.com',
      IDENTITY_URL: `${base}:${identityPort}`,
      // The example mini-program's documents are known by hash; free text still runs in development.
      PERSISTED_DOCUMENTS: env.PERSISTED_DOCUMENTS ?? fileURLToPath(new URL('../examples/mini-program/generated/persisted-documents.json', import.meta.url)),
      SUBGRAPH_URLS: Object.entries(subgraphUrls)
        .map(([name, url]) => `${name}=${url}`)
        .join(','),
    };
    delete childEnv.PORT;
    const all = [...plan, { name: 'console', entry: 'console/main.ts', args: [] as string[], nodeFlags: [] as readonly string[], port: env.CONSOLE_PORT }];
    for (const { name, entry, args, nodeFlags } of all) children.push(startChild(name, entry, childEnv, args, nodeFlags));
    await Promise.all(children.map((child, i) => waitHealthy(child, `${base}:${all[i]!.port}/healthz`, options.startTimeoutMs)));
    if (wechat && config.thirdPartyPlatform) {
      // WeChat pushes the third-party platform's verify ticket every 10 minutes; so does the simulator.
      const eventUrl = `${base}:${identityPort}${COMPONENT_EVENTS_PATH}`;
      const push = () => void wechat!.pushVerifyTicket(eventUrl).catch((error: Error) => console.error(`ticket push failed: ${error.message}`));
      push();
      setInterval(push, 10 * 60_000).unref();
    }
    return { mongo, wechat, dataDir, children, plan: [plan.find((p) => p.name === GATEWAY)!, ...plan.filter((p) => p.name !== GATEWAY)], close };
  } catch (error) {
    await close();
    throw error;
  }
}

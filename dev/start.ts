/**
 * `npm start`: the whole platform on one machine with no set-up. Starts the embedded MongoDB-compatible
 * server and the WeChat simulator (only when MONGODB_URI / WECHAT_API_BASE are unset), then the
 * identity, coupons and products subgraphs and the gateway as their own processes, exactly as they
 * run in production. Ctrl-C stops everything.
 */
import { join } from 'node:path';
import { loadPlatformConfig } from '../platform/config/platform-config.js';
import { readEnvironment } from '../platform/env.js';
import { startChild, stopChildren, waitHealthy, type Child } from './child-process.js';
import { COMPONENT_EVENTS_PATH } from '../subgraphs/identity/third-party-platform.js';
import { developmentSecrets } from './dev-secrets.js';
import { startMongoDevServer, type MongoDevServer } from './mongo/server.js';
import { startWechatSimulator, type WechatSimulator } from './wechat/server.js';

const env = readEnvironment();
const config = loadPlatformConfig(env.PLATFORM_CONFIG);
const secrets = developmentSecrets(config, env);
const host = '127.0.0.1';

let mongo: MongoDevServer | undefined;
let wechat: WechatSimulator | undefined;
const children: Child[] = [];
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  shuttingDown = true;
  await stopChildren(children);
  await wechat?.close();
  await mongo?.close();
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const dataDir = env.DATA_DIR ?? join(process.cwd(), '.data', 'mongo');
  if (!env.MONGODB_URI) mongo = await startMongoDevServer({ host, port: env.MONGO_DEV_PORT, dataDir });
  if (!env.WECHAT_API_BASE) wechat = await startWechatSimulator({ config, secretOf: (name) => secrets[name], host, port: env.WECHAT_SIM_PORT });

  const base = `http://${host}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...secrets,
    MONGODB_URI: env.MONGODB_URI ?? mongo!.uri(),
    WECHAT_API_BASE: env.WECHAT_API_BASE ?? wechat!.url,
    WECHAT_OAUTH_BASE: env.WECHAT_OAUTH_BASE ?? wechat?.url ?? 'https://open.weixin.qq.com',
    IDENTITY_URL: `${base}:${env.IDENTITY_PORT}`,
    SUBGRAPH_URLS: `identity=${base}:${env.IDENTITY_PORT}/graphql,coupons=${base}:${env.COUPONS_PORT}/graphql,products=${base}:${env.PRODUCTS_PORT}/graphql`,
  };
  delete childEnv.PORT;
  const services: [string, string, number][] = [
    ['identity', 'subgraphs/identity/main.ts', env.IDENTITY_PORT],
    ['coupons', 'subgraphs/coupons/main.ts', env.COUPONS_PORT],
    ['products', 'subgraphs/products/main.ts', env.PRODUCTS_PORT],
    ['gateway', 'gateway/main.ts', env.GATEWAY_PORT],
    ['console', 'console/main.ts', env.CONSOLE_PORT],
  ];
  for (const [name, entry] of services) children.push(startChild(name, entry, childEnv));
  await Promise.all(children.map((child, i) => waitHealthy(child, `${base}:${services[i]![2]}/healthz`)));
  if (wechat && config.thirdPartyPlatform) {
    // WeChat pushes the third-party platform's verify ticket every 10 minutes; so does the simulator.
    const eventUrl = `${base}:${env.IDENTITY_PORT}${COMPONENT_EVENTS_PATH}`;
    const push = () => void wechat!.pushVerifyTicket(eventUrl).catch((error: Error) => console.error(`ticket push failed: ${error.message}`));
    push();
    setInterval(push, 10 * 60_000).unref();
  }
  for (const child of children)
    void child.exited.then((code) => !shuttingDown && console.error(`${child.name} stopped unexpectedly (exit ${code}); the others keep running`));

  const platformApp = config.platform.miniProgramAppId;
  console.log(`
identity-federation-gateway is running (development: embedded components are not for production)

  gateway            http://localhost:${env.GATEWAY_PORT}/graphql      <- the one endpoint for the mini-program
  identity subgraph  http://localhost:${env.IDENTITY_PORT}/graphql
  coupons subgraph   http://localhost:${env.COUPONS_PORT}/graphql      (merchant acme)
  products subgraph  http://localhost:${env.PRODUCTS_PORT}/graphql      (merchant bobs)
  operator console   http://localhost:${env.CONSOLE_PORT}/             (operators only; development accounts: support / support-dev-password, privacy / privacy-dev-password)
  WeChat             ${wechat ? `http://localhost:${env.WECHAT_SIM_PORT}  (simulator)` : env.WECHAT_API_BASE}
  MongoDB            ${mongo ? `${mongo.uri()}  (embedded dev server, data in ${dataDir})` : '(MONGODB_URI)'}

Try it (log a simulated user in on the platform mini-program, then query):
  npm run demo
or with curl:
  CODE=$(curl -s localhost:${env.WECHAT_SIM_PORT}/sim/login -H 'content-type: application/json' -d '{"appId":"${platformApp}","user":"alice"}' | sed -E 's/.*"code":"([^"]+)".*/\\1/')
  TOKEN=$(curl -s localhost:${env.GATEWAY_PORT}/graphql -H 'content-type: application/json' -d '{"query":"mutation($c:String!){login(appId:\\"${platformApp}\\",code:$c){accessToken}}","variables":{"c":"'$CODE'"}}' | sed -E 's/.*"accessToken":"([^"]+)".*/\\1/')
  curl -s localhost:${env.GATEWAY_PORT}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"query":"{ me { id linkedMerchants { merchantId via } coupons { coupon { title } } } availableCoupons { id title } }"}'

Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`start-up failed: ${(error as Error).message}`);
  await shutdown(1);
}

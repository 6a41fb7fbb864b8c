/**
 * `npm start`: the whole platform on one machine with no set-up. Starts the embedded MongoDB-compatible
 * server and the WeChat simulator (only when MONGODB_URI / WECHAT_API_BASE are unset), then the
 * identity, coupons and products subgraphs and the gateway as their own processes, exactly as they
 * run in production. Ctrl-C stops everything.
 */
import { loadPlatformConfig } from '../platform/config/platform-config.js';
import { readEnvironment } from '../platform/env.js';
import { developmentSecrets } from './dev-secrets.js';
import { GATEWAY } from './launch-plan.js';
import { launchPlatform, type RunningPlatform } from './platform-launcher.js';
import { composeSupergraph } from '../schema/compose-supergraph.js';
import { loadSupergraphConfig, readSubgraphSchemas } from '../schema/supergraph-config.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const env = readEnvironment();
if (env.NODE_ENV === 'production') {
  console.error('npm start runs the development system (embedded MongoDB, WeChat simulator, generated secrets): use npm run start:prod in production');
  process.exit(2);
}
const config = loadPlatformConfig(env.PLATFORM_CONFIG);
const secrets = developmentSecrets(config, env);

let platform: RunningPlatform | undefined;
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  shuttingDown = true;
  await platform?.close();
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  // The gateway serves what the config composes now, so a subgraph added to the config runs before `npm run compose`.
  const supergraphFile = join(process.cwd(), '.data', 'supergraph.graphql');
  mkdirSync(dirname(supergraphFile), { recursive: true });
  writeFileSync(supergraphFile, composeSupergraph(readSubgraphSchemas(loadSupergraphConfig(env.SUPERGRAPH_CONFIG))));
  // PLATFORM_CONFIG explicit: given SUPERGRAPH alone, the gateway would run as a plain federation gateway.
  const childEnv = { ...process.env, SUPERGRAPH: env.SUPERGRAPH ?? supergraphFile, PLATFORM_CONFIG: env.PLATFORM_CONFIG };
  platform = await launchPlatform({ env, childEnv, config, secrets });
  const { mongo, wechat, dataDir } = platform;
  for (const child of platform.children)
    void child.exited.then((code) => !shuttingDown && console.error(`${child.name} stopped unexpectedly (exit ${code}); the others keep running`));

  const platformApp = config.platform.miniProgramAppId;
  console.log(`
identity-federation-gateway is running (development: embedded components are not for production)

${platform.plan.map(({ name, port, note }) => `  ${(name === GATEWAY ? name : `${name} subgraph`).padEnd(19)}http://localhost:${port}/graphql      ${note}`).join('\n')}
  explorer           http://localhost:${env.GATEWAY_PORT}/explorer     (GraphiQL, served offline by the gateway)
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

/**
 * `npm run dev:subgraph -- --name teashop --url http://127.0.0.1:5050/graphql [--merchant teashop --app-id wx...]`:
 * like `rover dev`. Runs the whole platform on embedded defaults (as `npm start`) with a subgraph that runs
 * elsewhere, in any language, added to it (or replacing the platform's subgraph of that name). Its SDL is
 * read through `_service { sdl }` and recomposed whenever it changes; composition errors are printed and
 * the gateway keeps the last good supergraph. With `--merchant` and `--app-id`, the dev platform config
 * gains that merchant and its mini-program, so the gateway injects the viewer's simulated OpenID in that
 * app, signed with a secret printed at start-up.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPlatformConfig } from '../../platform/config/platform-config.js';
import { readEnvironment } from '../../platform/env.js';
import { workingTreeSubgraphs } from '../../schema/subgraph-sources.js';
import { developmentSecrets } from '../dev-secrets.js';
import { launchPlatform, type RunningPlatform } from '../platform-launcher.js';
import { withForeignSubgraph } from './dev-config.js';
import { ForeignComposer } from './foreign-composer.js';

function usage(message: string): never {
  console.error(
    `dev:subgraph: ${message}\nusage: npm run dev:subgraph -- --name <subgraph> --url <http://host:port/graphql> [--merchant <id> --app-id <wx...>] [--poll-ms 1000]`,
  );
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      name: { type: 'string' },
      url: { type: 'string' },
      merchant: { type: 'string' },
      'app-id': { type: 'string' },
      'poll-ms': { type: 'string', default: '1000' },
    },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
const { name, url, merchant, 'app-id': appId } = args;
const pollMs = Number(args['poll-ms']);
if (!name || !url) usage('--name and --url are required');
if (!URL.canParse(url)) usage(`--url ${url} is not a URL`);
if ((merchant === undefined) !== (appId === undefined)) usage('--merchant and --app-id go together');
if (!Number.isInteger(pollMs) || pollMs < 100) usage('--poll-ms must be a whole number of milliseconds, at least 100');

const env = readEnvironment();
const dir = mkdtempSync(join(tmpdir(), 'dev-subgraph-'));
let platform: RunningPlatform | undefined;
let composer: ForeignComposer | undefined;

async function shutdown(code: number): Promise<never> {
  composer?.stop();
  await platform?.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const base = loadPlatformConfig(env.PLATFORM_CONFIG);
  const config = withForeignSubgraph(base, { name, url, merchant: merchant && appId ? { id: merchant, appId } : undefined });
  const configFile = join(dir, 'platform.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const supergraphFile = join(dir, 'supergraph.graphql');
  composer = new ForeignComposer({
    name,
    url,
    subgraphs: workingTreeSubgraphs(base),
    supergraphFile,
    pollMs,
    print: (line) => console.log(`[dev:subgraph] ${line}`),
  });
  if (!(await composer.compose())) composer.composeWithoutForeign();

  const secrets = developmentSecrets(config, env);
  platform = await launchPlatform({
    env,
    childEnv: { ...process.env, PLATFORM_CONFIG: configFile, SUPERGRAPH: supergraphFile },
    config,
    secrets,
    skip: [name],
    extraSubgraphUrls: { [name]: url },
    // Generous: a team's laptop may be compiling and running its own subgraph at the same time.
    startTimeoutMs: 120_000,
  });
  composer.start();
  const secretEnv = config.subgraphs.find((s) => s.name === name)!.identitySecretEnv;
  const owner = config.merchants.find((m) => m.subgraph === name);
  console.log(`
dev:subgraph ready (development only)

  gateway            http://localhost:${env.GATEWAY_PORT}/graphql
  your subgraph      ${name} at ${url}  (SDL re-read every ${pollMs} ms; composition errors print here)
  supergraph         ${supergraphFile}  (the gateway reloads it on change)
  WeChat simulator   ${platform.wechat ? platform.wechat.url : env.WECHAT_API_BASE}
  merchant           ${owner ? `${owner.id}, mini-program ${owner.appId}` : '(none: pass --merchant and --app-id to receive a viewer OpenID)'}

Verify the identity the gateway sends your subgraph with this secret (x-identity, HMAC-SHA256):
  ${secretEnv}=${secrets[secretEnv]}

Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`dev:subgraph: ${(error as Error).message}`);
  await shutdown(1);
}

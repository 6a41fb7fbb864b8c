/**
 * `npm run dev:subgraph -- --name teashop --url http://127.0.0.1:5050/graphql [--merchant teashop --app-id wx...]`:
 * like `rover dev`. Runs the whole platform on embedded defaults (as `npm start`) with a subgraph that runs
 * elsewhere, in any language, added to it (or replacing the platform's subgraph of that name). Its SDL is
 * read through `_service { sdl }` and recomposed whenever it changes; composition errors are printed and
 * the gateway keeps the last good supergraph. With `--merchant` and `--app-id`, the dev platform config
 * gains that merchant and its mini-program, so the gateway injects the viewer's simulated OpenID in that
 * app, signed with a secret printed at start-up. That secret is the same on every run (kept in
 * `--secrets-dir`, or taken from the environment variable the output names), so the team sets it once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPlatformConfig } from '../../platform/config/platform-config.js';
import { DEVELOPMENT_SECRET_PREFIX, generateSecret } from '../../platform/config/secret-names.js';
import { readEnvironment } from '../../platform/env.js';
import { workingTreeSubgraphs } from '../../schema/subgraph-sources.js';
import { DevelopmentSecretError, developmentSecrets, keptSecret, keptSecretFile } from '../dev-secrets.js';
import { launchPlatform, type RunningPlatform } from '../platform-launcher.js';
import { withForeignSubgraph } from './dev-config.js';
import { ForeignComposer } from './foreign-composer.js';
import { secretInstructions } from './secret-instructions.js';

/** Where the subgraph's secret is kept between runs: the repository's ignored data folder, as `npm start` uses. */
const DEFAULT_SECRETS_DIR = join('.data', 'dev-secrets');

const USAGE = `usage: npm run dev:subgraph -- --name <subgraph> --url <http://host:port/graphql> [--merchant <id> --app-id <wx...>] [--poll-ms 1000] [--secrets-dir ${DEFAULT_SECRETS_DIR}]`;

const HELP = `npm run dev:subgraph: the whole platform on embedded defaults, with your subgraph (running elsewhere) in it.

${USAGE}

  --name <subgraph>      your subgraph's name; one the platform has already (e.g. coupons) is replaced by yours
  --url <url>            where your subgraph answers GraphQL, including _service { sdl }
  --merchant <id>        the merchant owning it (with --app-id): the gateway then sends your subgraph the
  --app-id <wx...>         viewer's simulated OpenID in that merchant's mini-program
  --poll-ms <ms>         how often your SDL is re-read and recomposed (default 1000, at least 100)
  --secrets-dir <dir>    where the secret your subgraph verifies the identity header with is kept, so it is
                           the same on every run (default ${DEFAULT_SECRETS_DIR}); <NAME>_SUBGRAPH_SECRET in the
                           environment overrides it, and must start with ${DEVELOPMENT_SECRET_PREFIX}
  -h, --help             this text

example:
  npm run dev:subgraph -- --name teashop --url http://127.0.0.1:5050/graphql --merchant teashop --app-id wx6000000000000001`;

function usage(message: string): never {
  console.error(`dev:subgraph: ${message}\n${USAGE}`);
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
      'secrets-dir': { type: 'string', default: DEFAULT_SECRETS_DIR },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const { name, url, merchant, 'app-id': appId, 'secrets-dir': secretsDir } = args;
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
  const secretEnv = config.subgraphs.find((s) => s.name === name)!.identitySecretEnv;
  // Kept across runs: the team's subgraph holds this one too, and should not need it pasted again each time.
  const signing = keptSecret(secretsDir, secretEnv, env, () => generateSecret(config, secretEnv));
  const secrets = { ...developmentSecrets(config, env), [secretEnv]: signing.value };
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
  const owner = config.merchants.find((m) => m.subgraph === name);
  console.log(`
dev:subgraph ready (development only)

  gateway            http://localhost:${env.GATEWAY_PORT}/graphql
  your subgraph      ${name} at ${url}  (SDL re-read every ${pollMs} ms; composition errors print here)
  supergraph         ${supergraphFile}  (the gateway reloads it on change)
  WeChat simulator   ${platform.wechat ? platform.wechat.url : env.WECHAT_API_BASE}
  merchant           ${owner ? `${owner.id}, mini-program ${owner.appId}` : '(none: pass --merchant and --app-id to receive a viewer OpenID)'}

${secretInstructions({ name: secretEnv, value: signing.value, source: signing.source, file: keptSecretFile(secretsDir, secretEnv), args: process.argv.slice(2) })}

Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`dev:subgraph: ${(error as Error).message}`);
  // A kept secret that is not a development one is a bad setting, like a bad flag.
  await shutdown(error instanceof DevelopmentSecretError ? 2 : 1);
}

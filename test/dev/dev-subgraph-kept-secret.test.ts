/**
 * `npm run dev:subgraph` twice in a row: the secret a merchant team's subgraph verifies the gateway's
 * identity header with is the same on the second run (kept in `--secrets-dir`), the gateway really signs
 * with it, and the output says where it is kept and which variable sets it. A value in that variable that
 * production would accept stops the dev loop as a bad setting, before anything starts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIdentity } from '@identity-federation-gateway/subgraph-kit';
import { DEVELOPMENT_SECRET_PREFIX } from '../../platform/config/secret-names.js';
import { startDevSubgraph, type DevSubgraphProcess } from '../support/dev-subgraph-process.js';
import { APPS } from '../support/fixtures.js';
import { startForeignSubgraph, type ForeignSubgraph } from '../support/foreign-subgraph.js';

const MAIN = fileURLToPath(new URL('../../dev/subgraph-dev/main.ts', import.meta.url));
const TEASHOP_APP = 'wx6000000000000001';
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const secretsDir = mkdtempSync(join(tmpdir(), 'dev-subgraph-secrets-'));
let foreign: ForeignSubgraph;
let first: { secret: string; output: string };
let second: DevSubgraphProcess;

const args = () => ['--name', 'teashop', '--url', foreign.url, '--merchant', 'teashop', '--app-id', TEASHOP_APP, '--secrets-dir', secretsDir];

beforeAll(async () => {
  foreign = await startForeignSubgraph(`${LINK}\ntype Query { teaMenu: [String!]! }`, { Query: { teaMenu: () => ['oolong'] } });
  const run = await startDevSubgraph(args());
  first = { secret: run.secret, output: run.output.join('\n') };
  await run.stop();
  second = await startDevSubgraph(args());
}, 320_000);

afterAll(async () => {
  await second?.stop();
  await foreign?.close();
  rmSync(secretsDir, { recursive: true, force: true });
}, 30_000);

describe('npm run dev:subgraph, run again', () => {
  it('prints the same development secret as the run before, kept in --secrets-dir', () => {
    expect(first.secret.startsWith(DEVELOPMENT_SECRET_PREFIX)).toBe(true);
    expect(second.secret).toBe(first.secret);
    const file = join(secretsDir, 'TEASHOP_SUBGRAPH_SECRET');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secret);
    expect(first.output).toContain(`New, and kept in ${file}: the next runs use it too`);
    expect(second.output.join('\n')).toContain(`The same as on your last run: kept in ${file}`);
  });

  it('tells the team which variable chooses the secret, with the command to run', () => {
    const text = second.output.join('\n');
    expect(text).toContain(`To choose it yourself, set TEASHOP_SUBGRAPH_SECRET when you start the dev loop; it must start with ${DEVELOPMENT_SECRET_PREFIX}`);
    expect(text).toContain(`TEASHOP_SUBGRAPH_SECRET=${DEVELOPMENT_SECRET_PREFIX}-<at least 16 characters> npm run dev:subgraph -- ${args().join(' ')}`);
  });

  it('signs the identity the foreign subgraph receives with the kept secret', async () => {
    const token = await second.login(APPS.platform, 'alice');
    await second.login(TEASHOP_APP, 'alice');
    const before = foreign.received.length;
    expect(await second.graphql('{ teaMenu }', undefined, token)).toEqual({ data: { teaMenu: ['oolong'] } });
    const request = foreign.received.slice(before).find((r) => r.body.includes('teaMenu'))!;
    const verified = verifyIdentity({ method: request.method, headers: request.headers, rawBody: request.body, secret: first.secret, subgraph: 'teashop' });
    expect(verified).toMatchObject({ ok: true, claims: { sg: 'teashop', app: TEASHOP_APP } });
  });
});

/** dev:subgraph run to its end (it stops by itself on --help and on a bad setting). */
async function runToExit(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

describe('npm run dev:subgraph, told how to run', () => {
  it('describes --secrets-dir and the variable that overrides it under --help, and exits 0', async () => {
    const { code, stdout } = await runToExit(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--secrets-dir <dir>\s+where the secret your subgraph verifies the identity header with is kept/);
    expect(stdout).toContain(`environment overrides it, and must start with ${DEVELOPMENT_SECRET_PREFIX}`);
  });

  it('refuses a secret variable holding a value production would accept, exiting 2 with what to change', async () => {
    const args = ['--name', 'teashop', '--url', 'http://127.0.0.1:9/graphql', '--secrets-dir', secretsDir];
    const { code, stderr } = await runToExit(args, { TEASHOP_SUBGRAPH_SECRET: 'a-production-secret-pasted-here' });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `dev:subgraph: TEASHOP_SUBGRAPH_SECRET in the environment is not a development secret: it must start with ${DEVELOPMENT_SECRET_PREFIX}`,
    );
  });
});

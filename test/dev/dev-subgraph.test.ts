/**
 * `npm run dev:subgraph` as a real process: the whole platform plus a foreign subgraph (plain
 * `@apollo/subgraph`, no kit) owned by a merchant given on the command line. The foreign subgraph
 * receives the viewer's simulated OpenID in that merchant's app, signed so that the platform's verifier
 * accepts it with the secret the dev loop printed; a changed SDL is recomposed, and one that does not
 * compose is reported while the gateway keeps serving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKey, verifyIdentity } from '../../subgraphs/kit/identity-assertion.js';
import { LOGIN } from '../support/system.js';
import { startForeignSubgraph, type ForeignSubgraph } from '../support/foreign-subgraph.js';
import { APPS } from '../support/fixtures.js';

const MAIN = fileURLToPath(new URL('../../dev/subgraph-dev/main.ts', import.meta.url));
const TEASHOP_APP = 'wx6000000000000001';
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const MENU = { Query: { teaMenu: () => ['oolong', 'pu-erh'] } };

let foreign: ForeignSubgraph;
let dev: ChildProcess;
const output: string[] = [];
let gatewayUrl: string;
let simulatorUrl: string;
let secret: string;
const dataDir = mkdtempSync(join(tmpdir(), 'dev-subgraph-data-'));

/** A port free right now, for a child that must be told its port up front. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}\n${output.slice(-40).join('\n')}`);
    await sleep(100);
  }
}

const post = async <T>(url: string, body: unknown, token?: string): Promise<T> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
};
const graphql = (query: string, variables?: Record<string, unknown>, token?: string) =>
  post<{ data?: Record<string, unknown>; errors?: { message: string }[] }>(gatewayUrl, { query, variables }, token);

async function login(appId: string, user: string): Promise<string> {
  const { code } = await post<{ code: string }>(`${simulatorUrl}/sim/login`, { appId, user });
  const result = await graphql(LOGIN, { appId, code });
  const session = result.data?.login as { accessToken: string } | undefined;
  if (!session) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return session.accessToken;
}

beforeAll(async () => {
  foreign = await startForeignSubgraph(`${LINK}\ntype Query { teaMenu: [String!]! }`, MENU);
  const ports = { GATEWAY_PORT: 0, IDENTITY_PORT: 0, COUPONS_PORT: 0, PRODUCTS_PORT: 0, WECHAT_SIM_PORT: 0, MONGO_DEV_PORT: 0 };
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
  dev = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, '--name', 'teashop', '--url', foreign.url, '--merchant', 'teashop', '--app-id', TEASHOP_APP, '--poll-ms', '200'],
    {
      env: { ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  for (const stream of [dev.stdout!, dev.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  await eventually(() => output.some((line) => line.includes('dev:subgraph ready')) || dev.exitCode !== null, 'dev:subgraph ready', 150_000);
  expect(dev.exitCode, output.join('\n')).toBeNull();
  const text = output.join('\n');
  gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
  simulatorUrl = /WeChat simulator\s+(\S+)/.exec(text)![1]!;
  secret = /TEASHOP_SUBGRAPH_SECRET=(\S+)/.exec(text)![1]!;
}, 160_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGTERM');
    await exited;
  }
  await foreign?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('npm run dev:subgraph', () => {
  it('injects the viewer’s simulated OpenID in the merchant’s app into the foreign subgraph, verifiable with the printed secret', async () => {
    const token = await login(APPS.platform, 'alice');
    await login(TEASHOP_APP, 'alice'); // alice opens the teashop mini-program: linked by UnionID
    const before = foreign.received.length;
    expect(await graphql('{ teaMenu }', undefined, token)).toEqual({ data: { teaMenu: ['oolong', 'pu-erh'] } });

    const request = foreign.received.slice(before).find((r) => r.body.includes('teaMenu'))!;
    const verified = verifyIdentity(identityKey(secret), 'teashop', { method: request.method, headers: request.headers, rawBody: request.body });
    const simulated = (await (await fetch(`${simulatorUrl}/sim/identity?appId=${TEASHOP_APP}&user=alice`)).json()) as { openId: string };
    expect(simulated.openId).toMatch(/^\S{8,}$/);
    expect(verified).toEqual({ ok: true, claims: expect.objectContaining({ sg: 'teashop', mid: 'teashop', app: TEASHOP_APP, oid: simulated.openId }) });
    // Signed with that secret and no other.
    expect(verifyIdentity(identityKey(`${secret}x`), 'teashop', { method: request.method, headers: request.headers, rawBody: request.body }).ok).toBe(false);
  });

  it('recomposes when the foreign SDL changes, and reports an SDL that does not compose while the gateway keeps serving', async () => {
    foreign.setSchema(`${LINK}\ntype Query { teaMenu: [String!]! teaOfTheDay: String }`, { Query: { ...MENU.Query, teaOfTheDay: () => 'longjing' } });
    await eventually(async () => (await graphql('{ teaOfTheDay }')).data?.teaOfTheDay === 'longjing', 'the new field answers through the gateway');

    foreign.setSchema(`${LINK}\ntype Query { teaOfTheDay: String }\ntype User @key(fields: "id") { id: Int! }`, { Query: { teaOfTheDay: () => 'longjing' } });
    await eventually(() => output.some((line) => line.includes('FIELD_TYPE_MISMATCH')), 'the composition error is printed');
    expect(output.join('\n')).toContain('"teashop" does not compose with the platform; the gateway keeps the last supergraph');
    expect(dev.exitCode).toBeNull();
    expect(await graphql('{ teaOfTheDay }')).toEqual({ data: { teaOfTheDay: 'longjing' } });
  });
});

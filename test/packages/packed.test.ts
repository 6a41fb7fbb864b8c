/**
 * The packages other teams install work outside this repository: `npm pack` each (its `prepack` builds
 * it), install the tarballs into an empty project, and run them there on plain node, no TypeScript
 * loader: the kit verifies every test vector it ships, and the client logs in against the running system.
 * The project gets the packages' peers and dependencies from this repository's install (linked), so the
 * install needs no registry.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginCode } from '../support/fixtures.js';
import { APPS, startSystem, type System } from '../support/system.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LINKED = ['ws', 'graphql-ws', 'graphql', '@apollo/server', '@apollo/subgraph', '@graphql-typed-document-node/core'];
const work = mkdtempSync(join(tmpdir(), 'packed-'));
const project = join(work, 'project');
let system: System;

/** Runs `code` with plain node inside the project (the system keeps serving meanwhile); resolves to what it printed. */
const runInProject = async (file: string, code: string, args: string[] = []) => {
  writeFileSync(join(project, file), code);
  const { stdout } = await promisify(execFile)(process.execPath, [file, ...args], { cwd: project, encoding: 'utf8', env: {} });
  return stdout;
};

beforeAll(async () => {
  execFileSync('npm', ['pack', '--workspace', 'packages/subgraph-kit', '--workspace', 'packages/client', '--pack-destination', work, '--silent'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const tarballs = readdirSync(work).filter((name) => name.endsWith('.tgz'));
  expect(tarballs).toHaveLength(2);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty-project', private: true, type: 'module' }));
  for (const name of LINKED) {
    mkdirSync(dirname(join(project, 'node_modules', name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(project, 'node_modules', name));
  }
  execFileSync('npm', ['install', ...tarballs.map((name) => join(work, name)), '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: project,
    encoding: 'utf8',
  });
  system = await startSystem();
}, 240_000);
afterAll(async () => {
  await system?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the packed packages, installed in an empty project', () => {
  it('ship built JavaScript with declarations, not TypeScript sources', () => {
    const kit = join(project, 'node_modules/@identity-federation-gateway/subgraph-kit');
    const client = join(project, 'node_modules/identity-federation-client');
    expect(readdirSync(join(kit, 'dist'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    expect(readdirSync(join(client, 'dist'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    expect(readdirSync(kit)).not.toContain('src');
    expect(readdirSync(client)).not.toContain('src');
  });

  it('the kit verifies every test vector it ships, on plain node', async () => {
    const output = await runInProject(
      'vectors.mjs',
      `import { verifyIdentity } from '@identity-federation-gateway/subgraph-kit';
       import vectors from '@identity-federation-gateway/subgraph-kit/test-vectors/identity-v1.json' with { type: 'json' };
       let agree = 0;
       for (const vector of vectors.cases) {
         const result = verifyIdentity({
           method: vector.method,
           headers: vector.headers,
           rawBody: vector.body === null ? undefined : Buffer.from(vector.body, 'base64'),
           secret: vector.secrets,
           subgraph: vector.subgraph,
           now: vector.now,
         });
         const seen = result.ok ? { ok: true, claims: result.claims ?? null } : result;
         if (JSON.stringify(seen) === JSON.stringify(vector.expect)) agree++;
         else console.error('disagrees:', vector.name);
       }
       console.log(agree + '/' + vectors.cases.length);`,
    );
    const [agree, total] = output.trim().split('/').map(Number);
    expect(total).toBeGreaterThanOrEqual(20);
    expect(agree).toBe(total);
  });

  it('the client logs in against the running system and answers a request, required as CommonJS', async () => {
    const code = await loginCode(system.simulator, APPS.platform, 'packed-client');
    const output = await runInProject(
      'login.cjs',
      `const { createClient, fetchTransport, memoryStorage, LogoutDocument } = require('identity-federation-client');
       const [endpoint, appId, code] = process.argv.slice(2);
       const client = createClient({ endpoint, appId, transport: fetchTransport(fetch), storage: memoryStorage(), loginCode: async () => code });
       client.request(LogoutDocument, { refreshToken: 'rt_not_mine' }).then((result) => {
         console.log(JSON.stringify({ session: client.session(), result }));
       });`,
      [system.gatewayUrl, APPS.platform, code],
    );
    const { session, result } = JSON.parse(output) as { session: { userId: string } | undefined; result: { data?: { logout: boolean } } };
    expect(session?.userId).toMatch(/\S/);
    expect(result.data?.logout).toBe(false);
  });
});

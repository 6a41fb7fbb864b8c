/**
 * The production build: `npm run build` compiles to dist/, and the compiled gateway and services start
 * with plain node (no tsx), in production mode, importing nothing but the package's dependencies.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAVY_QUERY } from '../../bench/subgraphs/synthetic.js';
import type { WechatSimulator } from '../../dev/wechat/server.js';
import { syntheticSupergraphFile } from '../support/synthetic-supergraph.js';
import { APPS, DEMO_CONFIG_PATH, demoSecrets, loginCode, startSimulator } from '../support/fixtures.js';
import { startGatewayProcess, startServiceProcess, type ServiceProcess } from '../support/gateway-process.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
// Merchant subgraphs run through one entry, which imports each one's subgraph.js by config at run time.
const PRODUCTION_ENTRIES = [
  'gateway/main.js',
  'subgraphs/identity/main.js',
  'subgraphs/merchant-process/run-merchant-process.js',
  'subgraphs/coupons/subgraph.js',
  'subgraphs/products/subgraph.js',
];
const closers: (() => Promise<unknown>)[] = [];
/** Process start-up on a loaded 2-core CI machine can take far longer than on a laptop. */
const START_TIMEOUT_MS = 60_000;

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
}, 240_000);
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** Every bare specifier the compiled `entry` reaches through its relative imports. */
function packagesReachedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?<![.\w$'"])(?:from|import)\s*\(?\s*['"]([^'"\n]+)['"]/g)) {
      if (specifier!.startsWith('.')) visit(resolve(dirname(file), specifier!));
      else if (!specifier!.startsWith('node:') && !builtinModules.includes(specifier!)) {
        const parts = specifier!.split('/');
        packages.add(specifier!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
      }
    }
  };
  visit(join(DIST, entry));
  return packages;
}

describe('the compiled build', () => {
  it('reaches only runtime dependencies from every production entry point, and copies the files they read', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    for (const entry of PRODUCTION_ENTRIES) {
      const outside = [...packagesReachedFrom(entry)].filter((name) => !(name in pkg.dependencies));
      expect(outside, entry).toEqual([]);
    }
    for (const file of [
      'schema/supergraph.graphql',
      'subgraphs/identity/schema.graphql',
      'subgraphs/coupons/schema.graphql',
      'subgraphs/products/schema.graphql',
    ]) {
      expect(existsSync(join(DIST, file)), file).toBe(true);
    }
    expect(existsSync(join(DIST, 'platform/config/demo-platform.json'))).toBe(true);
  });

  it('starts the compiled gateway in plain mode on plain node, in production mode', async () => {
    const supergraph = await syntheticSupergraphFile(closers);
    const gateway = await startGatewayProcess({ SUPERGRAPH: supergraph, NODE_ENV: 'production' }, START_TIMEOUT_MS, join(DIST, 'gateway/main.js'));
    closers.push(() => gateway.stop());
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: HEAVY_QUERY }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { users: unknown[] } }).data.users).toHaveLength(10);
    expect(await gateway.stop()).toBe(0);
  }, 90_000);

  it('runs the compiled system in production mode: a login and a federated query through the compiled gateway', async () => {
    const mongo: TestMongo = await startTestMongo();
    closers.push(() => mongo.close());
    // Production secrets (not the development ones npm start generates, which production refuses).
    const secrets = Object.fromEntries(Object.entries(demoSecrets()).map(([name, value]) => [name, value.replace(/^DEVONLY/, 'prod123')]));
    const simulator: WechatSimulator = await startSimulator(secrets);
    closers.push(() => simulator.close());
    const base = {
      ...secrets,
      NODE_ENV: 'production',
      PLATFORM_CONFIG: DEMO_CONFIG_PATH,
      WECHAT_API_BASE: simulator.url,
      IDENTITY_DATA_KEY: randomBytes(32).toString('base64'),
      IDENTITY_JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    // Each component its own fresh database (MONGODB_DB overrides a service's default name).
    const database = (prefix: string) => ({ MONGODB_URI: mongo.uri(prefix), MONGODB_DB: new URL(mongo.uri(prefix)).pathname.slice(1) });
    const identityDatabase = database('identity');
    const start = async (name: string, ready: string, db: Record<string, string>): Promise<ServiceProcess> => {
      // The identity subgraph has its own entry; every merchant subgraph runs through the shared one.
      const [entry, args] = name === 'identity' ? ['subgraphs/identity/main.js', []] : ['subgraphs/merchant-process/run-merchant-process.js', [name]];
      const running = await startServiceProcess(join(DIST, entry), { ...base, ...db }, ready, START_TIMEOUT_MS, args);
      closers.push(() => running.stop());
      return running;
    };
    const identity = await start('identity', 'identity subgraph ready', identityDatabase);
    const coupons = await start('coupons', 'coupons subgraph ready', database('coupons'));
    const products = await start('products', 'products subgraph ready', database('products'));
    const gateway = await startGatewayProcess(
      {
        ...base,
        ...identityDatabase,
        IDENTITY_URL: new URL(identity.url).origin,
        SUBGRAPH_URLS: `identity=${identity.url},coupons=${coupons.url},products=${products.url}`,
      },
      START_TIMEOUT_MS,
      join(DIST, 'gateway/main.js'),
    );
    closers.push(() => gateway.stop());
    const post = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    };
    const code = await loginCode(simulator, APPS.platform, 'olga');
    const login = await post('mutation($a: ID!, $c: String!) { login(appId: $a, code: $c) { accessToken } }', { a: APPS.platform, c: code });
    expect(login.errors).toBeUndefined();
    const token = (login.data!.login as { accessToken: string }).accessToken;
    const me = await post('{ me { id } availableCoupons { id } }', {}, token);
    expect(me.errors).toBeUndefined();
    expect((me.data!.availableCoupons as unknown[]).length).toBeGreaterThan(0);
  }, 180_000);
});

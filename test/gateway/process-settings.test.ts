/**
 * What the environment switches, proved on real processes as an operator starts them (`gateway/main.ts`,
 * `subgraphs/identity/main.ts`): production refuses development settings with exit code 2 before serving
 * anything; GRAPHQL_INTROSPECTION, GRAPHQL_EXPLORER and CSRF_PREVENTION reach the running gateway; and
 * SUPERGRAPH_URL with SUPERGRAPH_POLL_MS makes it load and follow a supergraph served over HTTP.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_SUBGRAPH_QUERY } from '../../bench/subgraphs/synthetic.js';
import { DEVELOPMENT_SECRET_PREFIX } from '../../platform/config/secret-names.js';
import { DEMO_CONFIG_PATH, demoSecrets } from '../support/fixtures.js';
import { syntheticSupergraphFile } from '../support/synthetic-supergraph.js';
import { startGatewayProcess, startServiceProcess, type GatewayProcess } from '../support/gateway-process.js';

const IDENTITY_MAIN = fileURLToPath(new URL('../../subgraphs/identity/main.ts', import.meta.url));
const closers: (() => Promise<unknown>)[] = [];
let supergraph: string;

beforeAll(async () => {
  supergraph = await syntheticSupergraphFile(closers);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** The process's exit during start-up, and what it printed (startServiceProcess rejects with both). */
async function startupFailure(start: () => Promise<unknown>): Promise<string> {
  try {
    await start();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the process started');
}

describe('production start-up', () => {
  it('exits with code 2, naming what to change, on the demo config or development secrets', async () => {
    // The test fixtures' secrets are marked as generated for development, as `npm start`'s are.
    const developmentSecrets = demoSecrets();
    expect(Object.values(developmentSecrets).every((value) => value.startsWith(DEVELOPMENT_SECRET_PREFIX))).toBe(true);
    const productionSecrets = Object.fromEntries(
      Object.entries(developmentSecrets).map(([name, value]) => [name, value.slice(DEVELOPMENT_SECRET_PREFIX.length)]),
    );
    const [demoConfig, devSecrets, identityWithoutKeys] = await Promise.all([
      startupFailure(() => startGatewayProcess({ NODE_ENV: 'production', ...productionSecrets })),
      startupFailure(() => startGatewayProcess({ NODE_ENV: 'production', PLATFORM_CONFIG: DEMO_CONFIG_PATH, ...developmentSecrets })),
      startupFailure(() =>
        startServiceProcess(
          IDENTITY_MAIN,
          {
            NODE_ENV: 'production',
            PLATFORM_CONFIG: DEMO_CONFIG_PATH,
            ...productionSecrets,
            COUPONS_SUBGRAPH_SECRET: 'short',
            IDENTITY_DATA_KEY: 'not-32-bytes',
          },
          'identity subgraph ready',
        ),
      ),
    ]);
    expect(demoConfig).toMatch(/exited with 2 during start-up/);
    expect(demoConfig).toContain('PLATFORM_CONFIG is not set');
    expect(devSecrets).toMatch(/exited with 2 during start-up/);
    expect(devSecrets).toMatch(/COUPONS_SUBGRAPH_SECRET.*hold development secrets/);
    expect(identityWithoutKeys).toMatch(/exited with 2 during start-up/);
    // Every problem in one run, each with what it is for and how to make one.
    for (const line of [
      'IDENTITY_DATA_KEY: must be 32 bytes, base64-encoded (openssl rand -base64 32)',
      'MONGODB_URI is not set: the MongoDB connection string',
      "WECHAT_API_BASE is not set: WeChat's API base URL",
      'IDENTITY_JWT_PRIVATE_KEY is not set: the ES256 private key (PKCS#8 PEM) that signs access tokens; make one with: openssl genpkey',
    ]) {
      expect(identityWithoutKeys).toContain(line);
    }
    // The identity subgraph's secret is fine here; a merchant's secret is the merchants' business, not the identity service's.
    expect(identityWithoutKeys).not.toContain('COUPONS_SUBGRAPH_SECRET');
  }, 120_000);
});

describe('GRAPHQL_INTROSPECTION, GRAPHQL_EXPLORER and CSRF_PREVENTION on a production gateway process', () => {
  let defaults: GatewayProcess;
  let switchedOn: GatewayProcess;
  beforeAll(async () => {
    [defaults, switchedOn] = await Promise.all([
      startGatewayProcess({ NODE_ENV: 'production', SUPERGRAPH: supergraph, METRICS_PORT: '0' }),
      startGatewayProcess({ NODE_ENV: 'production', SUPERGRAPH: supergraph, GRAPHQL_INTROSPECTION: 'true', GRAPHQL_EXPLORER: 'true', CSRF_PREVENTION: 'true' }),
    ]);
    closers.push(defaults.stop, switchedOn.stop);
  }, 120_000);

  const introspect = (gateway: GatewayProcess) =>
    fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
  const explorer = (gateway: GatewayProcess) => fetch(gateway.url.replace(/\/graphql$/, '/explorer'));
  const getQuery = (gateway: GatewayProcess, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/graphql-response+json', ...headers } });

  it('serves /metrics only on its own 127.0.0.1 listener with METRICS_PORT, and warns once that any document runs', async () => {
    const ready = defaults
      .output()
      .map((line) => JSON.parse(line) as { msg?: string; metrics?: string })
      .find((entry) => entry.msg === 'gateway ready');
    expect(new URL(ready!.metrics!).hostname).toBe('127.0.0.1');
    expect((await fetch(`${ready!.metrics}/metrics`)).status).toBe(200);
    expect((await fetch(defaults.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
    // The other one, without METRICS_PORT, keeps /metrics on its public port.
    expect((await fetch(switchedOn.url.replace(/\/graphql$/, '/metrics'))).status).toBe(200);
    expect(defaults.output().filter((line) => line.includes('runs any document clients send'))).toHaveLength(1);
  });

  it('keeps introspection and the explorer off by default, and accepts GET queries without a preflight header', async () => {
    const refused = await introspect(defaults);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('GRAPHQL_VALIDATION_FAILED');
    expect((await explorer(defaults)).status).toBe(404);
    const get = await getQuery(defaults);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('switches each on from the environment', async () => {
    const introspection = await introspect(switchedOn);
    expect(introspection.status).toBe(200);
    expect(await introspection.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect((await explorer(switchedOn)).status).toBe(200);
    // CSRF_PREVENTION=true: Apollo's preflight rule is back for GET.
    expect((await getQuery(switchedOn)).status).toBe(400);
    expect((await getQuery(switchedOn, { 'apollo-require-preflight': 'true' })).status).toBe(200);
  });
});

describe('SUPERGRAPH_URL on a gateway process', () => {
  it('serves the supergraph it fetched, and keeps serving it while the URL fails', async () => {
    let status = 200;
    const source = createServer((_req, res) => void res.writeHead(status).end(status === 200 ? readFileSync(supergraph) : 'unavailable'));
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => source.close(resolve)));
    const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/supergraph.graphql`;
    const gateway = await startGatewayProcess({ NODE_ENV: 'production', SUPERGRAPH_URL: url, SUPERGRAPH_POLL_MS: '100' });
    closers.push(gateway.stop);

    const topProducts = async () => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: ONE_SUBGRAPH_QUERY }),
      });
      return { status: response.status, products: ((await response.json()) as { data?: { topProducts?: unknown[] } }).data?.topProducts?.length };
    };
    expect(await topProducts()).toEqual({ status: 200, products: 5 });

    status = 503;
    const refused = async () =>
      Number(/^gateway_supergraph_refused_total (\d+)/m.exec(await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text())?.[1]);
    const deadline = Date.now() + 20_000;
    while ((await refused()) < 1) {
      if (Date.now() > deadline) throw new Error('the failing poll was never counted');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await topProducts()).toEqual({ status: 200, products: 5 });
  }, 120_000);
});

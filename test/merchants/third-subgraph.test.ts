/**
 * A third merchant joins by config alone: its folder (test/fixtures/teashop: schema.graphql and
 * subgraph.ts), an app, a merchant and a subgraph entry in the platform config, and a supergraph.yaml
 * entry. Nothing in the launcher, composition or the test system names it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY, launchPlan, subgraphUrls } from '../../dev/launch-plan.js';
import { loadPlatformConfig } from '../../platform/config/platform-config.js';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { readEnvironment } from '../../platform/env.js';
import { peekClaims } from '@identity-federation-gateway/subgraph-kit';
import { composeSupergraph } from '../../schema/compose-supergraph.js';
import { loadSubgraphSchemas, loadSupergraphConfig } from '../../schema/supergraph-config.js';
import { identityOf } from '../support/fixtures.js';
import { startTestMongo } from '../support/mongo.js';
import { APPS, PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

const fixture = (file: string) => fileURLToPath(new URL(`../fixtures/teashop/${file}`, import.meta.url));
const PLATFORM_CONFIG = fixture('platform.json');
const SUPERGRAPH_CONFIG = fixture('supergraph.yaml');
const TEASHOP_APP = 'wx6000000000000001';
const config = loadPlatformConfig(PLATFORM_CONFIG);

let system: System;
beforeAll(async () => {
  system = await startSystem({ config, supergraphConfig: SUPERGRAPH_CONFIG });
});
afterAll(() => system.close());

describe('a third merchant subgraph added by config alone', () => {
  it('is composed into the supergraph beside the others', () => {
    const supergraph = composeSupergraph(loadSubgraphSchemas(SUPERGRAPH_CONFIG));
    expect(supergraph).toMatch(/TEASHOP @join__graph\(name: "teashop", url: "http:\/\/127\.0\.0\.1:4004\/graphql"\)/);
    expect(supergraph).toMatch(/teaStamps: Int @join__field\(graph: TEASHOP\)/);
  });

  it('is started and routed, and its resolvers get the teashop OpenID of the viewer, signed', async () => {
    const alice = await system.login(APPS.platform, 'alice-tea');
    // The teashop app shares the platform's Open Platform account: logging in there links it by UnionID.
    await system.login(TEASHOP_APP, 'alice-tea');
    const collect = await system.graphql<{ collectTeaStamp: number }>('mutation { collectTeaStamp }', {}, alice.accessToken);
    expect(collect.errors).toBeUndefined();
    expect(collect.data!.collectTeaStamp).toBe(1);
    const read = await system.graphql<{ me: { teaStamps: number } }>('{ me { teaStamps } teaMenu }', {}, alice.accessToken);
    expect(read.data!.me.teaStamps).toBe(1);

    // The gateway's readiness probes reach the subgraph too, anonymously; the viewer's fetches carry her pseudonym.
    const injected = system.received.teashop!.requests.map((r) => peekClaims(String(r.headers['x-identity']))).filter((claims) => claims.psu !== undefined);
    const { openId } = await identityOf(system.simulator, TEASHOP_APP, 'alice-tea');
    expect(injected.length).toBeGreaterThan(0);
    expect(injected.every((claims) => claims.sg === 'teashop' && claims.mid === 'teashop' && claims.oid === openId && claims.app === TEASHOP_APP)).toBe(true);
  });

  it('answers MERCHANT_IDENTITY_NOT_LINKED to a viewer without a teashop identity', async () => {
    const bob = await system.login(APPS.bobs, 'bob-no-tea');
    const result = await system.graphql('mutation { collectTeaStamp }', {}, bob.accessToken);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'MERCHANT_IDENTITY_NOT_LINKED', merchantId: 'teashop' });
  });

  it('is in the launcher plan, on the port of its URL unless TEASHOP_PORT says otherwise', () => {
    const plan = (port?: string) =>
      launchPlan(
        readEnvironment({ PLATFORM_CONFIG, SUPERGRAPH_CONFIG, ...(port ? { TEASHOP_PORT: port } : {}) }),
        indexPlatform(config),
        loadSupergraphConfig(SUPERGRAPH_CONFIG),
      );
    expect(plan().map((p) => [p.name, p.entry, p.args, p.port])).toEqual([
      ['identity', 'subgraphs/identity/main.ts', [], 4001],
      ['coupons', 'subgraphs/merchant-process/run-merchant-process.ts', ['coupons'], 4002],
      ['products', 'subgraphs/merchant-process/run-merchant-process.ts', ['products'], 4003],
      ['teashop', 'subgraphs/merchant-process/run-merchant-process.ts', ['teashop'], 4004],
      [GATEWAY, 'gateway/main.ts', [], 4000],
    ]);
    expect(subgraphUrls(plan('43104'), 'http://127.0.0.1')).toContain('teashop=http://127.0.0.1:43104/graphql');
  });

  it(
    'runs as its own process through the shared merchant entry the launcher uses',
    async () => {
      const mongo = await startTestMongo();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('../../subgraphs/merchant-process/run-merchant-process.ts', import.meta.url)), 'teashop'],
        {
          env: {
            PLATFORM_CONFIG,
            SUPERGRAPH_CONFIG,
            MONGODB_URI: mongo.uri('teashop'),
            TEASHOP_SUBGRAPH_SECRET: system.secrets.TEASHOP_SUBGRAPH_SECRET,
            TEASHOP_PORT: '0',
            EXIT_WITH_LAUNCHER: '1',
          },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('teashop process not ready in 20 s')), 20_000);
          child.once('exit', (code) => reject(new Error(`teashop process exited with ${code}`)));
          createInterface({ input: child.stdout! }).on('line', (line) => {
            const entry = JSON.parse(line) as { msg?: string; url?: string };
            if (entry.msg === 'teashop subgraph ready' && entry.url) {
              clearTimeout(timer);
              resolve(entry.url);
            }
          });
        });
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ teaMenu }' }) });
        expect(await response.json()).toEqual({ data: { teaMenu: ['oolong', 'pu-erh'] } });
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
        await mongo.close();
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

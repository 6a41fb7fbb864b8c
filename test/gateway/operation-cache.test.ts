/** Per-document work done once: the result-shaping operation is built once per document and reused, with each request's own variables. */
import { composeServices } from '@apollo/composition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { HEAVY_QUERY, SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';
import { startGateway } from '../../gateway/gateway-server.js';
import type { RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';
import { createLogger } from '../../platform/logger.js';

const closers: (() => Promise<void>)[] = [];
let gateway: RunningHttpServer;

beforeAll(async () => {
  const urls: Record<string, string> = {};
  for (const s of SYNTHETIC_SUBGRAPHS) {
    const server = await startLeanSubgraph(s.typeDefs, s.resolvers);
    urls[s.name] = server.url;
    closers.push(server.close);
  }
  const composed = composeServices(SYNTHETIC_SUBGRAPHS.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name]! })));
  // Merging off: every request below executes, so each one reaches the operation cache.
  gateway = await startGateway({ supergraphSdl: composed.supergraphSdl!, logger: createLogger('operations', 'silent'), dedupe: false });
  closers.push(gateway.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const post = async (query: string, variables?: Record<string, unknown>) =>
  (await (
    await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })
  ).json()) as { data?: Record<string, unknown>; errors?: unknown[] };
const counters = async () => {
  const text = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
  const read = (name: string) => Number(new RegExp(`^gateway_operation_cache_${name}_total (\\d+)$`, 'm').exec(text)?.[1]);
  return { hits: read('hits'), misses: read('misses') };
};

describe('operation cache', () => {
  it('builds the operation of a document once and reuses it, answering identically', async () => {
    const before = await counters();
    const first = await post(HEAVY_QUERY);
    const again = [await post(HEAVY_QUERY), await post(HEAVY_QUERY)];
    const after = await counters();
    expect(first.errors).toBeUndefined();
    for (const answer of again) expect(answer).toEqual(first);
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(2);
  });

  it('applies each request\u2019s own variables to the shared operation (@include, @skip, arguments)', async () => {
    const query = `query Shaped($withName: Boolean!, $skipPrice: Boolean!, $first: Int) {
      users { id name @include(if: $withName) }
      topProducts(first: $first) { upc price @skip(if: $skipPrice) }
    }`;
    const withAll = await post(query, { withName: true, skipPrice: false, first: 2 });
    const before = await counters();
    const without = await post(query, { withName: false, skipPrice: true, first: 3 });
    expect((await counters()).hits - before.hits).toBe(1);
    const users = (answer: typeof withAll) => answer.data?.users as Record<string, unknown>[];
    const products = (answer: typeof withAll) => answer.data?.topProducts as Record<string, unknown>[];
    expect(users(withAll)[0]).toEqual({ id: 'u1', name: 'User 1' });
    expect(users(without)[0]).toEqual({ id: 'u1' });
    expect(products(withAll)).toEqual([
      { upc: '1', price: 100 },
      { upc: '2', price: 150 },
    ]);
    expect(products(without)).toEqual([{ upc: '1' }, { upc: '2' }, { upc: '3' }]);
  });
});

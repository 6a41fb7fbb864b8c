/**
 * The lean plan executor answers exactly as Apollo's `executeQueryPlan`: inside a running gateway, every
 * plan is executed by both, with the same arguments and the same subgraphs, and the results compared
 * (data, every error's message, path and extensions, extensions) for queries with entity hops, @requires,
 * @skip/@include on whole fetches, aliases, fragments, abstract types, subgraph errors inside entities,
 * nulls in non-null fields, an unavailable subgraph and introspection.
 */
import { composeServices } from '@apollo/composition';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { HEAVY_QUERY, SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';
import { startGateway } from '../../gateway/gateway-server.js';
import { ApolloGateway } from '@apollo/gateway';
import { apolloModulesOf } from '../../gateway/apollo-patches/apollo-modules.js';
import { planExecutors } from '../../gateway/apollo-patches/plan-executor.js';
import { createLogger } from '../../platform/logger.js';
import type { RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';
/** Product fields that fail: a resolver error on every other product, a null for a non-null field, an interface. */
const FLAKY = {
  name: 'flaky',
  typeDefs: parse(`${LINK}
    interface Media { title: String }
    type Book implements Media { title: String pages: Int }
    type Film implements Media { title: String minutes: Int }
    type Product @key(fields: "upc") { upc: String! flaky: String strict: Int! media: [Media!] }`),
  resolvers: {
    Media: { __resolveType: (m: { pages?: number }) => (m.pages === undefined ? 'Film' : 'Book') },
    Product: {
      __resolveReference: (ref: { upc: string }) => ref,
      flaky: (p: { upc: string }) => {
        if (Number(p.upc) % 2) throw new Error(`flaky ${p.upc}`);
        return `ok ${p.upc}`;
      },
      strict: (p: { upc: string }) => (Number(p.upc) % 3 ? Number(p.upc) : null),
      media: (p: { upc: string }) => [
        { title: `book ${p.upc}`, pages: 100 },
        { title: `film ${p.upc}`, minutes: 90 },
      ],
    },
  } as GraphQLResolverMap<unknown>,
};
const GHOST = { name: 'ghost', typeDefs: parse(`${LINK} type Product @key(fields: "upc") { upc: String! ghost: String }`) };

const QUERIES: { query: string; variables?: Record<string, unknown> }[] = [
  { query: HEAVY_QUERY },
  { query: '{ topProducts { upc flaky strict name } }' },
  { query: '{ users { id reviews { product { upc flaky } } } }' },
  { query: '{ topProducts { upc name ghost } }' },
  { query: 'query($s: Boolean!) { topProducts { upc reviews @include(if: $s) { id } inStock @skip(if: $s) } }', variables: { s: true } },
  { query: 'query($s: Boolean!) { topProducts { upc reviews @include(if: $s) { id } inStock @skip(if: $s) } }', variables: { s: false } },
  {
    query: `{ a: topProducts(first: 2) { ...P } b: users { id u: username reviews { product { ... on Product { upc shippingEstimate } } } } }
      fragment P on Product { upc name n2: name media { __typename title ... on Book { pages } ... on Film { minutes } } }`,
  },
  { query: 'query($n: Int) { topProducts(first: $n) { upc price inStock } me { id reviews { id } } }', variables: { n: 3 } },
  { query: '{ __typename users { __typename id } __schema { queryType { name } } }' },
];

const closers: (() => Promise<void>)[] = [];
let gateway: RunningHttpServer;
const compared: { query: string; stock: string; lean: string }[] = [];

beforeAll(async () => {
  const urls: Record<string, string> = {};
  for (const s of [...SYNTHETIC_SUBGRAPHS, FLAKY]) {
    const server = await startLeanSubgraph(s.typeDefs, s.resolvers);
    urls[s.name] = server.url;
    closers.push(server.close);
  }
  urls.ghost = 'http://127.0.0.1:9/graphql'; // nothing listens: SUBGRAPH_UNAVAILABLE
  const composed = composeServices([...SYNTHETIC_SUBGRAPHS, FLAKY, GHOST].map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name]! })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  gateway = await startGateway({ supergraphSdl: composed.supergraphSdl, logger: createLogger('plans', 'silent'), dedupe: false });
  closers.push(gateway.close);
  // Every plan the gateway executes runs through both executors; the client gets the lean one's answer.
  const modules = apolloModulesOf(ApolloGateway);
  const executors = planExecutors(modules);
  const executing = modules.executing as { executeQueryPlan: typeof executors.lean };
  const installed = executing.executeQueryPlan;
  executing.executeQueryPlan = async (...args) => {
    const stock = await executors.stock(...args);
    const lean = await executors.lean(...args);
    compared.push({ query: args[2].request.query ?? '', stock: seen(stock), lean: seen(lean) });
    return lean;
  };
  closers.push(async () => {
    executing.executeQueryPlan = installed;
  });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

function seen(result: { data?: unknown; errors?: readonly { message: string; path?: unknown; extensions?: unknown }[]; extensions?: unknown }): string {
  const errors = result.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));
  return JSON.stringify({ data: result.data, errors, extensions: result.extensions });
}

describe('lean plan executor', () => {
  it('answers every plan exactly as Apollo\u2019s executeQueryPlan, errors and nulls included', async () => {
    for (const { query, variables } of QUERIES) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      expect(response.status, query).toBeLessThan(500);
    }
    expect(compared).toHaveLength(QUERIES.length);
    for (const { query, stock, lean } of compared) expect(lean, query).toBe(stock);
    // The queries did exercise what they are meant to: errors in entities, unavailable subgraphs, nulls.
    const all = compared.map((c) => c.stock).join('\n');
    expect(all).toContain('flaky 1');
    expect(all).toContain('SUBGRAPH_UNAVAILABLE');
    expect(all).toContain('Cannot return null for non-nullable');
  });
});

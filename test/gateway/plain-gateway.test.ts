/**
 * Without a platform config the gateway is a plain Federation 2 gateway for any supergraph: anonymous
 * requests pass through, nothing is added to answers, and bad input gets 4xx with GraphQL errors.
 */
import { composeServices } from '@apollo/composition';
import { serverAudits } from 'graphql-http';
import { parse } from 'graphql';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAVY_QUERY, SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { startGateway } from '../../gateway/gateway-server.js';
import type { RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';
import { createLogger } from '../../platform/logger.js';

const closers: (() => Promise<void>)[] = [];
let gateway: RunningHttpServer;
let direct: Record<string, string>;
let supergraph: string;

beforeAll(async () => {
  direct = {};
  for (const s of SYNTHETIC_SUBGRAPHS) {
    const server = await startLeanSubgraph(s.typeDefs, s.resolvers);
    direct[s.name] = server.url;
    closers.push(server.close);
  }
  const composed = composeServices(SYNTHETIC_SUBGRAPHS.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: direct[s.name]! })));
  supergraph = composed.supergraphSdl!;
  gateway = await startGateway({ supergraphSdl: supergraph, logger: createLogger('plain', 'silent') });
  closers.push(gateway.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('plain federation gateway', () => {
  it('answers a deep federated query anonymously with data only: no errors, no extensions', async () => {
    const response = await post(JSON.stringify({ query: HEAVY_QUERY }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['data']);
    const data = body.data as { users: { reviews: { product: { inStock: boolean; shippingEstimate: number } }[] }[]; topProducts: unknown[] };
    expect(data.users).toHaveLength(10);
    expect(data.topProducts).toHaveLength(5);
    expect(typeof data.users[0]!.reviews[0]!.product.shippingEstimate).toBe('number');
  });

  it('answers malformed JSON, invalid queries and bad variables with 4xx and GraphQL errors, never 500', async () => {
    for (const [body, headers] of [
      ['{"query": "{ users { id }', {}],
      [JSON.stringify({ query: '{ nope }' }), {}],
      [JSON.stringify({ query: '{ users { ' }), {}],
      [JSON.stringify({ query: 'query($n: Int) { topProducts(first: $n) { upc } }', variables: { n: 'many' } }), {}],
      [JSON.stringify({ query: '{ users { id } }', variables: 'not an object' }), {}],
      [JSON.stringify({}), {}],
    ] as [string, Record<string, string>][]) {
      const response = await post(body, headers);
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
      expect(((await response.json()) as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
    }
  });

  it('speaks GraphQL over HTTP: graphql-response+json on request, GET queries without a preflight header', async () => {
    const typed = await post(JSON.stringify({ query: '{ users { id } }' }), { accept: 'application/graphql-response+json' });
    expect(typed.headers.get('content-type')).toContain('application/graphql-response+json');
    const get = await fetch(`${gateway.url}?query=${encodeURIComponent('{ users { id } }')}`);
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: { users: unknown[] } }).data.users).toHaveLength(10);
  });

  it('accepts hashed persisted queries by GET without a preflight header, as Apollo clients send them', async () => {
    const query = '{ topProducts { upc } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash } }));
    const unknown = (await (await fetch(`${gateway.url}?extensions=${extensions}`)).json()) as { errors: { extensions: { code: string } }[] };
    expect(unknown.errors[0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await fetch(`${gateway.url}?query=${encodeURIComponent(query)}&extensions=${extensions}`)).status).toBe(200);
    const hashed = await fetch(`${gateway.url}?extensions=${extensions}`);
    expect(hashed.status).toBe(200);
    expect(((await hashed.json()) as { data: { topProducts: unknown[] } }).data.topProducts).toHaveLength(5);
  });

  it('refuses mutations by GET (405) and POST bodies that are not JSON (415)', async () => {
    const typeDefs = parse(
      'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"]) type Query { a: Int } type Mutation { m: Int }',
    );
    const mutable = await startLeanSubgraph(typeDefs, { Query: { a: () => 1 }, Mutation: { m: () => 2 } });
    const own = await startGateway({
      supergraphSdl: composeServices([{ name: 'm', typeDefs, url: mutable.url }]).supergraphSdl!,
      logger: createLogger('plain', 'silent'),
    });
    try {
      expect((await fetch(`${own.url}?query=${encodeURIComponent('mutation { m }')}`)).status).toBe(405);
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const response = await fetch(own.url, { method: 'POST', headers: { 'content-type': contentType }, body: '{"query":"mutation { m }"}' });
        expect(response.status, contentType).toBe(415);
      }
      const json = await fetch(own.url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"query":"mutation { m }"}' });
      expect(await json.json()).toEqual({ data: { m: 2 } });
    } finally {
      await own.close();
      await mutable.close();
    }
  });

  it('restores the preflight rule with csrfPrevention (CSRF_PREVENTION=true)', async () => {
    const own = await startGateway({ supergraphSdl: supergraph, logger: createLogger('plain', 'silent'), csrfPrevention: true });
    try {
      const url = `${own.url}?query=${encodeURIComponent('{ users { id } }')}`;
      expect((await fetch(url)).status).toBe(400);
      expect((await fetch(url, { headers: { 'apollo-require-preflight': 'true' } })).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('answers document errors 200 to clients that accept only application/json, 4xx to graphql-response+json', async () => {
    for (const query of ['{ users { ', '{ nope }']) {
      const legacy = await post(JSON.stringify({ query }), { accept: 'application/json' });
      expect(legacy.status, query).toBe(200);
      expect(((await legacy.json()) as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
      expect((await post(JSON.stringify({ query }), { accept: 'application/graphql-response+json' })).status, query).toBe(400);
    }
    const badVariables = JSON.stringify({ query: 'query($n: Int) { topProducts(first: $n) { upc } }', variables: { n: 'many' } });
    expect((await post(badVariables, { accept: 'application/json' })).status).toBe(200);
    expect((await post('{"query": "{ users', { accept: 'application/json' })).status).toBe(400);
  });

  it('passes every audit of the GraphQL over HTTP spec (graphql-http): MUST, SHOULD and MAY', async () => {
    const notPassed: string[] = [];
    for (const audit of serverAudits({ url: gateway.url })) {
      const result = await audit.fn();
      if (result.status !== 'ok') notPassed.push(`${result.status} ${audit.name}: ${result.reason}`);
    }
    expect(notPassed).toEqual([]);
  });
});

describe('a misbehaving subgraph', () => {
  it('turns an HTTP error or a body that is not a GraphQL response into a masked error that names no URL', async () => {
    let answer: { status: number; body: string } = { status: 200, body: '' };
    const broken = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/graphql`;
    const typeDefs = parse('extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"]) type Query { broken: String }');
    const composed = composeServices([{ name: 'broken', typeDefs, url }]);
    const own = await startGateway({ supergraphSdl: composed.supergraphSdl!, logger: createLogger('plain', 'silent') });
    try {
      for (const next of [
        { status: 401, body: JSON.stringify({ errors: [{ message: `refused at ${url}` }] }), code: 'INTERNAL_SERVER_ERROR' },
        { status: 503, body: 'busy', code: 'SUBGRAPH_UNAVAILABLE' },
        { status: 200, body: 'not json', code: 'INTERNAL_SERVER_ERROR' },
        { status: 200, body: '[1, 2]', code: 'INTERNAL_SERVER_ERROR' },
      ]) {
        answer = next;
        const response = await fetch(own.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ broken }"}' });
        const text = await response.text();
        expect(text, JSON.stringify(next)).not.toContain('127.0.0.1');
        const body = JSON.parse(text) as { data: unknown; errors: { extensions: { code: string } }[] };
        expect(body.errors.map((e) => e.extensions.code)).toEqual([next.code]);
      }
      answer = { status: 200, body: JSON.stringify({ data: { broken: 'fine' } }) };
      const ok = await fetch(own.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ broken }"}' });
      expect(await ok.json()).toEqual({ data: { broken: 'fine' } });
    } finally {
      await own.close();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });
});

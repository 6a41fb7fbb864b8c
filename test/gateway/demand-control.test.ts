/**
 * Demand control (IBM's cost spec, Apollo Router's defaults): operations' costs estimated from the
 * supergraph's `@cost` and `@listSize` before anything runs, refused over the budget in enforce mode with
 * no subgraph contacted, recorded with their actual cost in measure mode. Over a small supergraph composed
 * from annotated subgraphs (hand-computed costs, nested lists) and over the real system (Apollo's defaults
 * where nothing is annotated, the mini-program's operations, persisted documents, subscriptions).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costIndex, type CostIndex } from '../../gateway/cost/cost-index.js';
import { actualCost, estimateCost, type Variables } from '../../gateway/cost/operation-cost.js';
import { DEFAULT_DEMAND_CONTROL } from '../../gateway/features/demand-control.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway-server.js';
import { createLogger } from '../../platform/logger.js';
import { composeSupergraph } from '../../schema/compose-supergraph.js';
import { startForeignSubgraph, type ForeignSubgraph } from '../support/foreign-subgraph.js';
import { bearer, openGraphQLSocket } from '../support/graphql-socket.js';
import { APPS, startSystem, SUPERGRAPH_SDL, type System } from '../support/system.js';

const LIBRARY_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
  type Query {
    shelves(first: Int = 5): [Shelf!]! @listSize(slicingArguments: ["first"])
    book(id: ID!): Book
    search(filter: Filter): [Book!]! @listSize(assumedSize: 20)
    page(first: Int, last: Int): BookConnection! @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
    report: Report @cost(weight: 50)
    genres: [Genre!]!
    titles: [String!]!
  }
  type Mutation { reserve(bookId: ID!): Book @cost(weight: 7) }
  type Shelf { id: ID! books: [Book!]! }
  type Book @key(fields: "id") { id: ID! title: String! reviews: [Review!]! @listSize(assumedSize: 3) similar: [Book!]! }
  type Review { stars: Int! }
  type BookConnection { edges: [BookEdge!]! total: Int! }
  type BookEdge { node: Book! }
  type Report { lines: [String!]! }
  input Filter { text: String @cost(weight: 3) tags: [String!] }
  enum Genre @cost(weight: 2) { NOVEL POETRY }
`;
/** Another subgraph adds a costed field to the same entity: the supergraph keeps both subgraphs' annotations. */
const PRICES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost"])
  type Book @key(fields: "id") { id: ID! price: Int @cost(weight: 4) }
  type Query { currency: String! }
`;
const ANNOTATED = composeSupergraph([
  { name: 'library', routingUrl: 'http://library.invalid/graphql', sdl: LIBRARY_SDL, schemaFile: 'library.graphql' },
  { name: 'prices', routingUrl: 'http://prices.invalid/graphql', sdl: PRICES_SDL, schemaFile: 'prices.graphql' },
]);

/** The estimate of the document's only operation at list size 10. */
function estimate(index: CostIndex, text: string, variables?: Variables) {
  const document = parse(text);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return estimateCost(index, document, operation, variables, 10);
}

describe('the cost model over annotated subgraphs', () => {
  const index = costIndex(ANNOTATED);
  const cost = (text: string, variables?: Variables) => estimate(index, text, variables).cost;

  it('sizes a list by its slicing argument, given, defaulted in the schema or in the operation, or by a variable', () => {
    // 5 shelves (first's default) × (Shelf 1 + 10 books (the default list size) × Book 1); scalars cost nothing.
    expect(cost('{ shelves { id books { title } } }')).toBe(55);
    // 2 × (1 + 10 × (Book 1 + 3 reviews (assumedSize) × Review 1))
    expect(cost('{ shelves(first: 2) { books { reviews { stars } } } }')).toBe(82);
    expect(cost('query($n: Int) { shelves(first: $n) { id } }', { n: 7 })).toBe(7);
    expect(cost('query($n: Int) { shelves(first: $n) { id } }', {})).toBe(5);
    expect(cost('query($n: Int = 3) { shelves(first: $n) { id } }', {})).toBe(3);
    expect(estimate(index, 'query($n: Int) { shelves(first: $n) { id } }', { n: 7 }).reads).toEqual(['n']);
  });

  it('sizes a connection’s edges by the slicing argument of the field that returns it (sizedFields)', () => {
    // page 1 + 4 edges × (BookEdge 1 + Book 1 + price 4, the other subgraph's @cost)
    expect(cost('{ page(first: 4) { total edges { node { title price } } } }')).toBe(25);
    expect(estimate(index, '{ page(first: 4) { edges { node { id } } } }').slicingViolation).toBeUndefined();
  });

  it('flags a field given several (or none) of the slicing arguments it requires exactly one of', () => {
    const both = estimate(index, '{ page(first: 4, last: 9) { edges { node { id } } } }');
    expect(both.slicingViolation).toBe('Query.page');
    // Still estimated, at the largest: 1 + 9 × (1 + 1).
    expect(both.cost).toBe(19);
    expect(estimate(index, '{ page { total } }').slicingViolation).toBe('Query.page');
  });

  it('weighs fields, types, enums, arguments and input fields by @cost, and mutations by 10', () => {
    expect(cost('{ report { lines } }')).toBe(50);
    // 10 genres × the enum's 2; scalar lists cost nothing.
    expect(cost('{ genres titles }')).toBe(20);
    // 20 (assumedSize) × Book 1, plus the input object 1 + its costed field 3.
    expect(cost('{ search(filter: { text: "x", tags: ["a", "b"] }) { id } }')).toBe(24);
    expect(cost('query($f: Filter) { search(filter: $f) { id } }', { f: { text: 'x' } })).toBe(24);
    expect(cost('query($f: Filter) { search(filter: $f) { id } }', { f: null })).toBe(20);
    expect(cost('mutation { reserve(bookId: "1") { title } }')).toBe(17);
  });

  it('counts nothing for __typename, literally skipped fields or a fragment spread twice', () => {
    expect(cost('{ __typename book(id: "1") { __typename title } }')).toBe(1);
    expect(cost('{ shelves { id books @skip(if: true) { title } } }')).toBe(5);
    expect(cost('{ ...Book ...Book } fragment Book on Query { book(id: "1") { id } }')).toBe(1);
  });

  it('walks a fragment spread under several fields of every level once, not once per path', () => {
    const levels = 16;
    // Each level asks three times for 10 similar books, each costing 1 plus the next level: 3 × 10 × (1 + next).
    const fragments = Array.from({ length: levels }, (_, i) =>
      i + 1 < levels
        ? `fragment L${i} on Book { similar { ...L${i + 1} } b: similar { ...L${i + 1} } c: similar { ...L${i + 1} } }`
        : `fragment L${i} on Book { id }`,
    );
    let expected = 0;
    for (let i = 0; i < levels - 1; i++) expected = 3 * 10 * (1 + expected);
    const started = performance.now();
    // Past 2^53: equal but for rounding.
    expect(cost(`{ book(id: "1") { ...L0 } } ${fragments.join(' ')}`) / (1 + expected)).toBeCloseTo(1, 12);
    // 3^15 paths: walked one by one, seconds.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('costs a result over its real list sizes', () => {
    const document = parse('{ shelves(first: 3) { books { reviews { stars } } } }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    const book = { reviews: [{ stars: 5 }] };
    const data = { shelves: [{ books: [book, book] }, { books: [] }, { books: [book] }] };
    // Estimated 3 × (1 + 10 × (1 + 3)); ran: 3 shelves + 3 books + 3 reviews.
    expect(estimateCost(index, document, operation, {}, 10).cost).toBe(123);
    expect(actualCost(index, document, operation, {}, data)).toBe(9);
  });
});

describe('the cost model over the real supergraph', () => {
  const index = costIndex(SUPERGRAPH_SDL);
  const cost = (text: string) => estimate(index, text).cost;

  it('uses Apollo Router’s defaults where nothing is annotated: objects 1, scalars and enums 0, lists the default size, mutations 10', () => {
    // me 1 + 10 links × (MerchantLink 1 + Merchant 1); `via` is an enum.
    expect(cost('{ me { id linkedMerchants { via merchant { name } } } }')).toBe(21);
    expect(cost('mutation { claimCoupon(couponId: "c") { claimedAt coupon { id } } }')).toBe(12);
    expect(cost('subscription { couponStock(couponId: "c") { remaining } }')).toBe(1);
    // No @listSize on products: its `first` sizes nothing, edges take the default size.
    expect(cost('{ products(first: 100) { edges { node { id } } } }')).toBe(21);
  });

  it('passes every operation of the mini-program’s persisted-documents manifests under the default budget', () => {
    const manifests = ['../../examples/mini-program/generated/persisted-documents.json', '../../packages/client/src/generated/persisted-documents.json'];
    const documents = manifests.flatMap((path) => Object.values(JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, string>));
    expect(documents.length).toBeGreaterThan(20);
    for (const text of documents) {
      const { cost: estimated, slicingViolation } = estimate(index, text, {});
      expect(slicingViolation, text).toBeUndefined();
      expect(estimated, text).toBeLessThanOrEqual(DEFAULT_DEMAND_CONTROL.maxCost / 10);
    }
  });
});

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(url: string, body: unknown, token?: string): Promise<Answer> {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A scrape of /metrics: one sample by series (name and labels as written). */
async function scrape(metricsUrl: string) {
  const text = await (await fetch(metricsUrl)).text();
  const samples = new Map([...text.matchAll(/^(\S+) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  return (series: string) => samples.get(series) ?? 0;
}
const metricsOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/metrics');

describe('demand control at a gateway over annotated subgraphs', () => {
  let library: ForeignSubgraph;
  let prices: ForeignSubgraph;
  let enforcing: RunningGateway;
  let measuring: RunningGateway;
  const FAN_OUT = '{ shelves(first: 100) { books { reviews { stars } } } }';

  beforeAll(async () => {
    const book = (id: string) => ({ id, title: `Book ${id}`, reviews: [{ stars: 4 }] });
    library = await startForeignSubgraph(LIBRARY_SDL, {
      Query: {
        shelves: (_: unknown, { first }: { first: number }) => Array.from({ length: first }, (_, i) => ({ id: `s${i}`, books: [book('1'), book('2')] })),
      },
    } as never);
    prices = await startForeignSubgraph(PRICES_SDL, { Query: { currency: () => 'CNY' }, Book: { price: () => 100 } } as never);
    const supergraphSdl = composeSupergraph([
      { name: 'library', routingUrl: library.url, sdl: LIBRARY_SDL, schemaFile: 'library.graphql' },
      { name: 'prices', routingUrl: prices.url, sdl: PRICES_SDL, schemaFile: 'prices.graphql' },
    ]);
    const logger = createLogger('test', 'silent');
    enforcing = await startGateway({ supergraphSdl, logger, demandControl: { mode: 'enforce' } });
    measuring = await startGateway({ supergraphSdl, logger, demandControl: { mode: 'measure' } });
  });
  afterAll(async () => {
    await enforcing?.close();
    await measuring?.close();
    await library?.close();
    await prices?.close();
  });

  it('refuses a query fanning out over nested lists in enforce mode, before any subgraph is contacted', async () => {
    const before = library.received.length;
    const answer = await post(enforcing.url, { query: FAN_OUT });
    expect(answer.status).toBe(400);
    // 100 shelves × (1 + 10 books × (1 + 3 reviews × 1))
    expect(answer.errors).toEqual([
      {
        message: expect.stringMatching(/estimated cost, 4100, is over the gateway's maximum of 1000/),
        extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimatedCost: 4100, maxCost: 1000 },
      },
    ]);
    expect(answer.data).toBeUndefined();
    expect(library.received.length).toBe(before);
    expect((await scrape(metricsOf(enforcing.url)))('gateway_operation_cost_refused_total{operation="query"}')).toBe(1);
  });

  it('runs it in measure mode and records both its estimated and its actual cost', async () => {
    const before = await scrape(metricsOf(measuring.url));
    const answer = await post(measuring.url, { query: FAN_OUT });
    expect(answer.status).toBe(200);
    expect((answer.data?.shelves as unknown[]).length).toBe(100);
    const after = await scrape(metricsOf(measuring.url));
    const delta = (series: string) => after(series) - before(series);
    expect(delta('gateway_operation_cost_estimated_count{operation="query"}')).toBe(1);
    expect(delta('gateway_operation_cost_estimated_sum{operation="query"}')).toBe(4100);
    expect(delta('gateway_operation_cost_actual_count{operation="query"}')).toBe(1);
    // What ran: 100 shelves × (1 + 2 books × (1 + 1 review)).
    expect(delta('gateway_operation_cost_actual_sum{operation="query"}')).toBe(500);
    expect(after('gateway_operation_cost_refused_total{operation="query"}')).toBe(0);
  });

  it('costs a document registered by APQ again with the variables of each request that names it by hash', async () => {
    const query = 'query Shelves($n: Int) { shelves(first: $n) { id } }';
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const registered = await post(enforcing.url, { query, variables: { n: 5 }, extensions: { persistedQuery } });
    expect((registered.data?.shelves as unknown[]).length).toBe(5);
    const before = library.received.length;
    const byHash = await post(enforcing.url, { variables: { n: 5000 }, extensions: { persistedQuery } });
    expect(byHash.errors?.[0]?.extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimatedCost: 5000, maxCost: 1000 });
    expect(library.received.length).toBe(before);
    expect((await post(enforcing.url, { variables: { n: 2 }, extensions: { persistedQuery } })).data?.shelves).toHaveLength(2);
  });

  it('refuses a field given two slicing arguments where it requires one, in enforce mode only', async () => {
    const query = '{ page(first: 1, last: 2) { total } }';
    const refused = await post(enforcing.url, { query });
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'COST_SLICING_ARGUMENT_REQUIRED', field: 'Query.page' });
    const measured = await post(measuring.url, { query });
    expect(measured.errors?.[0]?.extensions?.code).not.toBe('COST_SLICING_ARGUMENT_REQUIRED');
  });
});

describe('demand control over the real system', () => {
  let system: System;
  let token: string;
  let enforcing: { url: string; metrics(): Promise<string> };
  let noBudget: { url: string; metrics(): Promise<string> };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const example = JSON.parse(readFileSync(new URL('../../examples/mini-program/generated/persisted-documents.json', import.meta.url), 'utf8')) as Record<
    string,
    string
  >;
  const HOME_PAGE = Object.entries(example).find(([, text]) => text.startsWith('query HomePage'))!;
  /** Every list of the viewer, asked `n` times over (aliases): 71 each at the default list size. */
  const fanOut = (n: number) =>
    `query FanOut { ${Array.from({ length: n }, (_, i) => `m${i}: me { ...All }`).join(' ')} }
     fragment All on User { id coupons { coupon { id } } linkedMerchants { merchant { disclosureConsent { notice } } } consents { purpose } favoriteProducts { id } }`;
  const EXPENSIVE = fanOut(15);
  const subgraphRequests = () => system.received.identity.requests.length + system.received.coupons.requests.length + system.received.products.requests.length;

  beforeAll(async () => {
    system = await startSystem();
    token = (await system.login(APPS.platform, 'dora')).accessToken;
    const manifest = new Map([...Object.entries(example), [sha256(EXPENSIVE), EXPENSIVE]]);
    enforcing = await system.startGateway({ demandControl: { mode: 'enforce' }, persistedDocuments: { manifest, only: false } });
    noBudget = await system.startGateway({ demandControl: { mode: 'enforce', maxCost: 0 } });
  });
  afterAll(() => system?.close());

  it('refuses a query fanning out over the viewer’s lists in enforce mode without contacting any subgraph', async () => {
    const before = subgraphRequests();
    const answer = await post(enforcing.url, { query: EXPENSIVE }, token);
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimatedCost: 15 * 71, maxCost: 1000 });
    expect(subgraphRequests()).toBe(before);
  });

  it('runs it in measure mode (the default) and records its estimated and actual cost', async () => {
    const before = await scrape(metricsOf(system.gatewayUrl));
    const answer = await post(system.gatewayUrl, { query: EXPENSIVE }, token);
    expect(answer.status).toBe(200);
    expect((answer.data?.m0 as { id: string }).id).toBeTruthy();
    const after = await scrape(metricsOf(system.gatewayUrl));
    const delta = (series: string) => after(series) - before(series);
    expect(delta('gateway_operation_cost_estimated_count{operation="query"}')).toBe(1);
    expect(delta('gateway_operation_cost_estimated_sum{operation="query"}')).toBe(15 * 71);
    expect(delta('gateway_operation_cost_actual_count{operation="query"}')).toBe(1);
    // A new viewer: 15 × me 1, and lists that are empty or null (no merchant linked yet).
    expect(delta('gateway_operation_cost_actual_sum{operation="query"}')).toBeGreaterThan(0);
    expect(delta('gateway_operation_cost_actual_sum{operation="query"}')).toBeLessThan(15 * 71);
  });

  it('runs the mini-program’s home page in enforce mode, costing its persisted document once however often it is sent', async () => {
    const computed = async () => (await scrape(metricsOf(enforcing.url)))('gateway_operation_cost_computed_total');
    const [hash, text] = HOME_PAGE;
    const first = await post(enforcing.url, { documentId: `sha256:${hash}` }, token);
    expect(first.status).toBe(200);
    expect(first.data?.availableCoupons).toBeDefined();
    const once = await computed();
    for (let i = 0; i < 3; i++) expect((await post(enforcing.url, { documentId: `sha256:${hash}` }, token)).status).toBe(200);
    // The same text sent as text is the same document (same sha256, parsed once).
    expect((await post(enforcing.url, { query: text }, token)).status).toBe(200);
    expect(await computed()).toBe(once);
  });

  it('costs the document a hash names: a persisted document over the budget is refused, and so is its APQ registration', async () => {
    const before = subgraphRequests();
    const byId = await post(enforcing.url, { documentId: `sha256:${sha256(EXPENSIVE)}` }, token);
    expect(byId.errors?.[0]?.extensions?.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    const text = fanOut(16);
    const persistedQuery = { version: 1, sha256Hash: sha256(text) };
    const registering = await post(enforcing.url, { query: text, extensions: { persistedQuery } }, token);
    expect(registering.errors?.[0]?.extensions).toMatchObject({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimatedCost: 16 * 71 });
    // A refused document is never registered: its hash names nothing.
    const byHash = await post(enforcing.url, { extensions: { persistedQuery } }, token);
    expect(byHash.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(subgraphRequests()).toBe(before);
  });

  it('costs a subscription started on a socket: recorded in measure mode, refused over the budget in enforce mode', async () => {
    const query = 'subscription($id: ID!) { couponStock(couponId: $id) { remaining } }';
    const before = await scrape(metricsOf(system.gatewayUrl));
    const measured = await openGraphQLSocket(system.gatewayUrl, { init: bearer(token) });
    measured.subscribe('s', { query, variables: { id: 'welcome-10' } });
    await measured.until(() => measured.results('s').length > 0, 'the first event');
    const after = await scrape(metricsOf(system.gatewayUrl));
    expect(
      after('gateway_operation_cost_estimated_count{operation="subscription"}') - before('gateway_operation_cost_estimated_count{operation="subscription"}'),
    ).toBe(1);
    measured.close();

    const upstreamSockets = system.received.coupons.sockets.length;
    const refused = await openGraphQLSocket(noBudget.url, { init: bearer(token) });
    refused.subscribe('s', { query, variables: { id: 'welcome-10' } });
    await refused.until(() => refused.error('s') !== undefined, 'the refusal');
    expect(refused.error('s')?.[0]?.extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimatedCost: 1, maxCost: 0 });
    expect(system.received.coupons.sockets.length).toBe(upstreamSockets);
    refused.close();
  });
});

/** Query limits: measured on the raw document, refused before validation and planning, with registered codes. */
import { getIntrospectionQuery, parse, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationToRun } from '../../gateway/features/parse-document.js';
import { DEFAULT_QUERY_LIMITS, measureOperation } from '../../gateway/features/query-limits.js';
import { exceedsTokens } from '../../gateway/features/token-bound.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

/** Operations of the kind the mini-program sends (the demo's, the tests' largest) and the standard introspection query. */
const REAL_OPERATIONS = [
  '{ me { id linkedMerchants { merchantId via } coupons { coupon { title } } favoriteProducts { name } } }',
  `{ me { id linkedMerchants { merchantId } coupons { coupon { id } } favoriteProducts { id } } availableCoupons { id } }`,
  'mutation { claimCoupon(couponId: "welcome-10") { claimedAt coupon { title remaining } } }',
  LOGIN,
  `query Home($first: Int!) {
     me { id linkedMerchants { merchantId via } coupons { claimedAt coupon { id title remaining } } favoriteProducts { id name } }
     availableCoupons { id title remaining }
     products(first: $first) { edges { node { id name } } pageInfo { hasNextPage endCursor } }
   }`,
];

const tokensOf = (query: string) => {
  for (let n = 10; ; n += 10) {
    try {
      parse(query, { maxTokens: n });
      return n;
    } catch {
      // more tokens than n
    }
  }
};

/** The measure of a document's only operation. */
const measureQuery = (document: DocumentNode) => measureOperation(document, operationToRun(document, undefined));

const aliases = (count: number, field = 'availableCoupons { id }') => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

describe('measuring a document', () => {
  it('counts depth, aliases and root fields through fragments and inline fragments', () => {
    const document = parse(`
      query { ...Root a: availableCoupons { id } }
      fragment Root on Query { me { ... on User { b: id coupons { ...C } } } x: availableCoupons { id } }
      fragment C on ClaimedCoupon { coupon { c: id } }`);
    expect(measureQuery(document)).toEqual({ depth: 4, aliases: 4, rootFields: 3 });
  });

  it('terminates on fragment cycles and counts exponentially repeated fragments without expanding them', () => {
    expect(measureQuery(parse('{ ...A } fragment A on Query { ...B x: __typename } fragment B on Query { ...A }'))).toEqual({
      depth: 1,
      aliases: 1,
      rootFields: 1,
    });
    // Each fragment spreads the previous one twice: 2^40 aliases, measured in 40 steps.
    const chain = Array.from({ length: 40 }, (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`).join('\n');
    const measured = measureQuery(parse(`{ ...F40 } fragment F0 on Query { a: __typename } ${chain}`));
    expect(measured.aliases).toBe(2 ** 40);
  });

  it('lets the mini-program\u2019s operations and introspection through with room to spare', () => {
    for (const query of [...REAL_OPERATIONS, getIntrospectionQuery()]) {
      const measured = measureQuery(parse(query));
      expect(measured.depth, query).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDepth);
      expect(exceedsTokens(query, DEFAULT_QUERY_LIMITS.maxTokens), query).toBe(false);
      if (query === getIntrospectionQuery()) continue;
      expect(measured.depth * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDepth);
      expect(measured.aliases * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxAliases);
      expect(measured.rootFields * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxRootFields);
      expect(tokensOf(query) * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxTokens);
    }
  });

  it('measures only the operation that runs, and counts tokens as graphql-js does (comments free), stopping at the limit', () => {
    const document = parse(`query Small { a } query Wide { ${Array.from({ length: 30 }, (_, i) => `f${i}`).join(' ')} }`);
    expect(measureOperation(document, operationToRun(document, 'Small')).rootFields).toBe(1);
    expect(measureOperation(document, operationToRun(document, 'Wide')).rootFields).toBe(30);
    const fifty = `{ ${'a '.repeat(48)}}`;
    expect(exceedsTokens(fifty, 50)).toBe(false);
    expect(exceedsTokens(fifty, 49)).toBe(true);
    expect(exceedsTokens(`# ${'comment '.repeat(1000)}\n${fifty}`, 50)).toBe(false);
    // A syntax error is not the bound's to report: parsing does.
    expect(exceedsTokens('{ a ! ~ }', 50)).toBe(false);
  });
});

describe('query limits at the gateway', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(() => system.close());

  const subgraphFetches = () => Object.values(system.received).reduce((sum, proxy) => sum + proxy.requests.length, 0);

  it('refuses the 150 KB query of 5,000 aliases with QUERY_TOO_LARGE, reaching no subgraph, while a normal request is answered', async () => {
    const hostile = aliases(5000);
    expect(hostile.length).toBeGreaterThan(150_000);
    const before = subgraphFetches();
    const normal = system
      .login(APPS.platform, 'limits-alice')
      .then((alice) => system.graphql(`{ me { id } availableCoupons { id } }`, undefined, alice.accessToken));
    const refused = await Promise.all(Array.from({ length: 20 }, () => system.graphql(hostile)));
    for (const answer of refused) {
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_LARGE');
    }
    const answered = await normal;
    expect(answered.errors).toBeUndefined();
    // Login and the normal query reached subgraphs; none of the 20 refused documents did.
    const fetched = subgraphFetches() - before;
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThanOrEqual(4);
  });

  it('checks before validation, so before planning: over-limit documents of unknown fields get the limit\u2019s code, not a validation error', async () => {
    const cases: [string, string][] = [
      [aliases(DEFAULT_QUERY_LIMITS.maxAliases + 1, 'nope'), 'QUERY_TOO_MANY_ALIASES'],
      [`{ ${'nope { '.repeat(DEFAULT_QUERY_LIMITS.maxDepth)}nope${' }'.repeat(DEFAULT_QUERY_LIMITS.maxDepth)} }`, 'QUERY_TOO_DEEP'],
      [`{ ${Array.from({ length: DEFAULT_QUERY_LIMITS.maxRootFields + 1 }, (_, i) => `nope${i}`).join(' ')} }`, 'QUERY_TOO_MANY_ROOT_FIELDS'],
    ];
    for (const [query, code] of cases) {
      const answer = await system.graphql(query);
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0]?.extensions?.code).toBe(code);
    }
    // Within the limits the same kind of document reaches validation.
    expect((await system.graphql(aliases(2, 'nope'))).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses batched requests (an array of operations) with 400', async () => {
    const response = await fetch(system.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ availableCoupons { id } }' }, { query: '{ availableCoupons { id } }' }]),
    });
    expect(response.status).toBe(400);
  });
});

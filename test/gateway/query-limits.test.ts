/** Query limits: measured on the raw document, refused before validation and planning, with registered codes. */
import { getIntrospectionQuery, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryLimitCheck, DEFAULT_QUERY_LIMITS, measureQuery } from '../../gateway/query-limits.js';
import { HttpError } from '../../subgraphs/kit/http-error.js';
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
    const check = createQueryLimitCheck(DEFAULT_QUERY_LIMITS);
    for (const query of REAL_OPERATIONS) {
      const measured = measureQuery(parse(query));
      expect(measured.depth * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDepth);
      expect(measured.aliases * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxAliases);
      expect(measured.rootFields * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxRootFields);
      expect(tokensOf(query) * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxTokens);
      expect(() => check({ method: 'POST', body: { query }, search: '' })).not.toThrow();
    }
    expect(() => check({ method: 'POST', body: { query: getIntrospectionQuery() }, search: '' })).not.toThrow();
  });

  it('checks GET documents too, refuses too many tokens, and leaves unparsable documents to GraphQL to report', () => {
    const check = createQueryLimitCheck({ ...DEFAULT_QUERY_LIMITS, maxAliases: 1, maxTokens: 50 });
    const codeOf = (request: Parameters<typeof check>[0]) => {
      try {
        check(request);
        return 'OK';
      } catch (error) {
        return error instanceof HttpError ? error.code : String(error);
      }
    };
    expect(codeOf({ method: 'GET', body: undefined, search: `?query=${encodeURIComponent(aliases(2))}` })).toBe('QUERY_TOO_MANY_ALIASES');
    expect(codeOf({ method: 'POST', body: { query: `{ ${'__typename '.repeat(51)}}` }, search: '' })).toBe('QUERY_TOO_LARGE');
    expect(codeOf({ method: 'POST', body: { query: '{ me { ' }, search: '' })).toBe('OK');
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

/** The gateway's rules, proved through real servers: isolation, header stripping, signatures, cost, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityStore } from '../../subgraphs/identity/identity-store.js';
import { identityOf, loginCode } from '../support/fixtures.js';
import { APPS, LOGIN, PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

let system: System;
let alice: { accessToken: string; userId: string };
let aliceIds: Record<'platform' | 'acme' | 'bobs', { openId: string; unionId: string | null }>;

beforeAll(async () => {
  system = await startSystem();
  alice = await system.login(APPS.platform, 'alice');
  await system.login(APPS.acme, 'alice'); // linked through the shared UnionID
  await system.grantDisclosure(alice.accessToken, 'acme');
  aliceIds = {
    platform: await identityOf(system.simulator, APPS.platform, 'alice'),
    acme: await identityOf(system.simulator, APPS.acme, 'alice'),
    bobs: await identityOf(system.simulator, APPS.bobs, 'alice'),
  };
  // A later issue links Bob's app by other routes; here the link is recorded directly in the store.
  const now = new Date();
  await new IdentityStore(system.identityConnection).insertIdentity(
    { appId: APPS.bobs, openId: aliceIds.bobs.openId, merchantId: 'bobs', userId: alice.userId, via: 'HANDOFF' },
    now,
  );
});
afterAll(() => system.close());

const EVERYTHING = `{ me { id linkedMerchants { merchantId } coupons { coupon { id } } favoriteProducts { id } } availableCoupons { id } }`;

function clear() {
  for (const proxy of Object.values(system.received)) proxy.requests.length = 0;
}
const seen = (name: 'identity' | 'coupons' | 'products') =>
  system.received[name].requests.map(
    (r) => JSON.stringify(r.headers) + r.body + Buffer.from(String(r.headers['x-identity'] ?? '').split('.')[0]!, 'base64url').toString('utf8'),
  );

describe('isolation', () => {
  it('sends each merchant only its own OpenID: never the UnionID, the platform user id or another app\u2019s OpenID', async () => {
    clear();
    const result = await system.graphql(EVERYTHING, undefined, alice.accessToken);
    expect(result.errors).toBeUndefined();
    const coupons = seen('coupons').join('\n');
    const products = seen('products').join('\n');
    expect(coupons).toContain(aliceIds.acme.openId);
    expect(products).toContain(aliceIds.bobs.openId);
    for (const forbidden of [alice.userId, aliceIds.platform.unionId!, aliceIds.bobs.unionId!, aliceIds.platform.openId, aliceIds.bobs.openId]) {
      expect(coupons).not.toContain(forbidden);
    }
    for (const forbidden of [alice.userId, aliceIds.platform.unionId!, aliceIds.bobs.unionId!, aliceIds.platform.openId, aliceIds.acme.openId]) {
      expect(products).not.toContain(forbidden);
    }
    const identity = seen('identity').join('\n');
    for (const openId of [aliceIds.platform.openId, aliceIds.acme.openId, aliceIds.bobs.openId]) expect(identity).not.toContain(openId);
  });

  it('never shows OpenIDs or UnionIDs to the client', async () => {
    const result = await system.graphql(EVERYTHING, undefined, alice.accessToken);
    const text = JSON.stringify(result);
    for (const id of [aliceIds.platform, aliceIds.acme, aliceIds.bobs]) {
      expect(text).not.toContain(id.openId);
      if (id.unionId) expect(text).not.toContain(id.unionId);
    }
  });

  it('drops identity headers a client sends and injects only its own signed claims', async () => {
    clear();
    const forged = Buffer.from(JSON.stringify({ v: 1, sg: 'coupons', oid: 'oFORGED', iat: 0, exp: 9e9 })).toString('base64url');
    const result = await system.graphql(`{ me { coupons { coupon { id } } } }`, undefined, alice.accessToken, {
      'x-identity': `${forged}.AAAA`,
      'x-identity-claims': forged,
      'x-identity-openid': 'oFORGED',
    });
    expect(result.errors).toBeUndefined();
    const request = system.received.coupons.requests.at(-1)!;
    expect(request.headers['x-identity']).not.toBe(`${forged}.AAAA`);
    expect(Object.keys(request.headers).filter((name) => name.startsWith('x-identity'))).toEqual(['x-identity']);
    expect(seen('coupons').join('')).not.toContain('oFORGED');
  });
});

describe('subgraphs verify the injected identity', () => {
  const post = (url: string, headers: Record<string, string>, body = { query: '{ availableCoupons { id } }' }) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('answers 401 to a forged, a replayed-for-another-query, and a missing-but-claimed identity', async () => {
    clear();
    await system.graphql(`{ me { coupons { coupon { id } } } }`, undefined, alice.accessToken);
    const captured = system.received.coupons.requests.at(-1)!;
    const target = system.received.coupons.url;
    const [claims, signature] = String(captured.headers['x-identity']).split('.') as [string, string];

    const replayed = await post(target, { 'x-identity': `${claims}.${signature}` });
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('IDENTITY_SIGNATURE_INVALID');

    const forgedClaims = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), oid: 'oSOMEONE_ELSE' })).toString(
      'base64url',
    );
    expect((await post(target, { 'x-identity': `${forgedClaims}.${signature}` }, JSON.parse(captured.body))).status).toBe(401);
    expect((await post(target, { 'x-identity': claims })).status).toBe(401);
    expect((await post(target, { 'x-identity-claims': claims })).status).toBe(401);

    // A correctly signed identity with any other x-identity* header beside it: the extra header is unsigned.
    for (const extra of ['x-identity-openid', 'x-identity-claims', 'X-Identity-Merchant']) {
      const smuggled = await post(target, { 'x-identity': `${claims}.${signature}`, [extra]: 'oSOMEONE_ELSE' }, JSON.parse(captured.body));
      expect(smuggled.status).toBe(401);
      expect(((await smuggled.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('IDENTITY_SIGNATURE_INVALID');
    }

    // The untouched capture still verifies: the refusals above are about the changes, not the transport.
    expect((await post(target, { 'x-identity': `${claims}.${signature}` }, JSON.parse(captured.body))).status).toBe(200);
  });

  it('serves anonymous direct requests that claim nothing', async () => {
    const response = await post(system.received.coupons.url, {});
    expect(response.status).toBe(200);
  });
});

describe('cost', () => {
  it('makes one identity-store query for a cold viewer however many subgraphs it reaches, and none while cached', async () => {
    const newcomer = await system.login(APPS.platform, 'newcomer');
    await system.login(APPS.acme, 'newcomer');
    const before = system.gatewayStoreQueries();
    const cold = await system.graphql(EVERYTHING, undefined, newcomer.accessToken);
    expect(cold.errors?.map((e) => e.extensions?.code).sort()).toEqual(['CONSENT_REQUIRED', 'MERCHANT_IDENTITY_NOT_LINKED']);
    expect(system.gatewayStoreQueries() - before).toBe(1);
    const hits = system.gatewayCache.hits;
    for (let i = 0; i < 3; i++) await system.graphql(EVERYTHING, undefined, newcomer.accessToken);
    expect(system.gatewayStoreQueries() - before).toBe(1);
    // Two reads of the cached entry per request: the merchant policies' decision, then identity injection.
    expect(system.gatewayCache.hits - hits).toBe(6);
    const anonymousBefore = system.gatewayStoreQueries();
    await system.graphql(`{ availableCoupons { id } }`);
    expect(system.gatewayStoreQueries()).toBe(anonymousBefore);
  });

  it('never merges identical concurrent queries of different viewers', async () => {
    const bob = await system.login(APPS.acme, 'bob-concurrent');
    await system.graphql(`mutation { claimCoupon(couponId: "flash-50") { claimedAt } }`, undefined, bob.accessToken);
    const query = `{ me { coupons { coupon { id } } } }`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        system.graphql<{ me: { coupons: { coupon: { id: string } }[] } }>(query, undefined, i % 2 ? bob.accessToken : alice.accessToken),
      ),
    );
    answers.forEach((answer, i) => {
      const ids = answer.data!.me.coupons.map((c) => c.coupon.id);
      expect(ids.includes('flash-50')).toBe(i % 2 === 1);
    });
  });

  it('resolves User entities in the identity subgraph with one store query per batch', async () => {
    const ids = [alice.userId, (await system.login(APPS.platform, 'bob')).userId, 'missing-user'];
    const before = system.identityFinds('users');
    const response = await fetch(system.identity.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
        variables: { r: ids.map((id) => ({ __typename: 'User', id })) },
      }),
    });
    const body = (await response.json()) as { data: { _entities: ({ id: string } | null)[] } };
    expect(body.data._entities).toEqual([{ id: ids[0] }, { id: ids[1] }, null]);
    expect(system.identityFinds('users') - before).toBe(1);
  });
});

describe('identity cache invalidation across gateway processes', () => {
  it(
    'applies a link at once on the gateway process it went through, and on another within its poll interval',
    async () => {
      // The first process polls only every minute: what it sees at once it can only have from its own refresh.
      const [first, second] = await Promise.all([system.startGatewayProcess({ cachePollMs: 60_000 }), system.startGatewayProcess()]);
      const post = async (url: string, body: object, token?: string) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
        return (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions: { code: string } }[] };
      };
      const askVia = async (url: string, token: string) =>
        (await post(url, { query: '{ me { coupons { coupon { id } } } }' }, token)).errors?.[0]?.extensions.code ?? 'OK';
      const quinn = await system.login(APPS.platform, 'quinn');
      // Both gateway processes cache "not linked to ACME".
      expect(await askVia(first.url, quinn.accessToken)).toBe('MERCHANT_IDENTITY_NOT_LINKED');
      expect(await askVia(second.url, quinn.accessToken)).toBe('MERCHANT_IDENTITY_NOT_LINKED');
      expect((await second.metrics()).gateway_identity_cache_misses_total).toBeGreaterThan(0);

      // Logging in from ACME's app links her through the UnionID, through the first process.
      const code = await loginCode(system.simulator, APPS.acme, 'quinn');
      const login = await post(first.url, { query: LOGIN, variables: { appId: APPS.acme, code } });
      expect(login.errors).toBeUndefined();
      // The first process refreshed its cache before answering the mutation: no wait at all. Linked now, ACME
      // still gets no OpenID until she consents (CONSENT_REQUIRED, no longer NOT_LINKED).
      expect(await askVia(first.url, quinn.accessToken)).toBe('CONSENT_REQUIRED');

      // The second process learns it from the change feed, polled every CACHE_POLL_MS (100 ms) in tests; entries
      // would otherwise live a minute, so seeing it within 5 s (slack for a loaded machine) proves the feed did it.
      const seenOnSecond = async (expected: string) => {
        const since = Date.now();
        let seen = await askVia(second.url, quinn.accessToken);
        while (seen !== expected && Date.now() - since < 5000) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          seen = await askVia(second.url, quinn.accessToken);
        }
        return seen;
      };
      expect(await seenOnSecond('CONSENT_REQUIRED')).toBe('CONSENT_REQUIRED');

      // Consenting and withdrawing travel the same way: at once through the first process, by the feed to the second.
      const consent = (verb: 'grantConsent' | 'withdrawConsent') =>
        post(first.url, { query: `mutation { ${verb}(purpose: MERCHANT_DISCLOSURE, merchantId: "acme") { grantedAt } }` }, quinn.accessToken);
      expect((await consent('grantConsent')).errors).toBeUndefined();
      expect(await askVia(first.url, quinn.accessToken)).toBe('OK');
      expect(await seenOnSecond('OK')).toBe('OK');
      expect((await consent('withdrawConsent')).errors).toBeUndefined();
      expect(await askVia(first.url, quinn.accessToken)).toBe('CONSENT_REQUIRED');
      expect(await seenOnSecond('CONSENT_REQUIRED')).toBe('CONSENT_REQUIRED');
      expect((await second.metrics()).gateway_identity_cache_invalidations_total).toBeGreaterThan(0);
      expect(await Promise.all([first.stop(), second.stop()])).toEqual([0, 0]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe('the GraphQL endpoint', () => {
  const raw = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(system.gatewayUrl, { method: 'POST', headers, body });

  it('answers malformed JSON, invalid queries and bad variables with 400 and a GraphQL error', async () => {
    const malformed = await raw('{"query": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    const invalid = await raw(JSON.stringify({ query: '{ nope }' }));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const badVariables = await raw(JSON.stringify({ query: 'mutation($c: ID!) { claimCoupon(couponId: $c) { claimedAt } }', variables: { c: { no: 1 } } }));
    expect(badVariables.status).toBe(400);
    const unparsable = await raw(JSON.stringify({ query: '{ me { ' }));
    expect(unparsable.status).toBe(400);
  });

  it('serves public fields anonymously, refuses me without a login, and answers a bad token with 401', async () => {
    const anonymous = await system.graphql<{ availableCoupons: unknown[] }>(`{ availableCoupons { id title } }`);
    expect(anonymous.data?.availableCoupons.length).toBeGreaterThan(0);
    const me = await system.graphql(`{ me { id } }`);
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const bad = await system.graphql(`{ availableCoupons { id } }`, undefined, `${alice.accessToken.slice(0, -4)}AAAA`);
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  // Last: it takes the products subgraph down.
  it('masks internal failures: a subgraph that is down costs its fields (SUBGRAPH_UNAVAILABLE), and no URL or stack reaches the client', async () => {
    await system.received.products.close();
    const result = await system.graphql<{ me: { id: string; favoriteProducts: unknown } }>(
      `{ me { id favoriteProducts { id } } }`,
      undefined,
      alice.accessToken,
      { 'x-request-id': 'masked-products-1' },
    );
    expect(result.data?.me).toEqual({ id: alice.userId, favoriteProducts: null });
    expect(result.errors?.map((e) => [e.extensions?.code, e.extensions?.subgraph])).toEqual([['SUBGRAPH_UNAVAILABLE', 'products']]);
    const text = JSON.stringify(result);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toMatch(/stack|ECONNREFUSED|http:/i);
    // The operator finds the failure by the request id the client sent (and got back).
    const logged = system
      .logs()
      .split('\n')
      .filter((line) => line.includes('subgraph unavailable'))
      .map((line) => JSON.parse(line) as { requestId?: string; service?: string; subgraph?: string });
    expect(logged).toContainEqual(expect.objectContaining({ requestId: 'masked-products-1', service: 'gateway', subgraph: 'products' }));
  });
});

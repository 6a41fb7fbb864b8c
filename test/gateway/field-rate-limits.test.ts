/**
 * Fairness in a coupon drop: a per-viewer limit on claimCoupon, at the gateway. Past it, that field
 * answers null with RATE_LIMITED (and Retry-After), the rest of the operation runs, the merchant is not
 * asked for it, and other viewers keep their own allowance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, startSystem, type GraphQLResult, type System } from '../support/system.js';

let system: System;
let url: string;
beforeAll(async () => {
  system = await startSystem();
  url = (await system.startGateway({ fieldRateLimits: { 'Mutation.claimCoupon': { points: 2, seconds: 60 } } })).url;
});
afterAll(() => system.close());

async function post(query: string, token: string): Promise<GraphQLResult & { retryAfter: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { ...((await response.json()) as GraphQLResult), status: response.status, retryAfter: response.headers.get('retry-after') };
}

const CLAIM = 'mutation { claimCoupon(couponId: "welcome-10") { claimedAt } }';

describe('per-viewer field rate limits', () => {
  it('answers the claim past the limit null with RATE_LIMITED and Retry-After, without asking ACME', async () => {
    const viewer = await system.login(APPS.acme, 'drop-ann');
    expect((await post(CLAIM, viewer.accessToken)).errors).toBeUndefined();
    expect((await post(CLAIM, viewer.accessToken)).errors).toBeUndefined();
    const before = system.received.coupons.requests.length;
    const limited = await post(CLAIM, viewer.accessToken);
    expect(limited.status).toBe(200);
    expect(limited.data).toBeNull();
    expect(limited.errors?.[0]).toMatchObject({ path: ['claimCoupon'], extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) as number } });
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(system.received.coupons.requests.length).toBe(before);
  });

  it('counts each selection (an aliased second claim takes a second unit) and limits only that field, the rest resolving', async () => {
    const viewer = await system.login(APPS.acme, 'drop-ben');
    const twice = await post(
      'mutation { a: claimCoupon(couponId: "welcome-10") { claimedAt } b: claimCoupon(couponId: "flash-50") { claimedAt } }',
      viewer.accessToken,
    );
    expect(twice.errors).toBeUndefined();
    const mixed = await post(
      'mutation { claimCoupon(couponId: "welcome-10") { claimedAt } grantConsent(purpose: MERCHANT_DISCLOSURE, merchantId: "acme") { purpose } }',
      viewer.accessToken,
    );
    // claimCoupon is non-null: its null is the whole answer's, so nothing runs (grantConsent's effect would be unseen).
    expect(mixed.data).toBeNull();
    expect(mixed.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(mixed.retryAfter).not.toBeNull();
    const consents = await post('{ me { consents { purpose } } }', viewer.accessToken);
    expect(consents.data).toEqual({ me: { consents: [] } });
  });

  it('answers a nullable field past its limit null, the rest of the answer resolved', async () => {
    const limitedUrl = (await system.startGateway({ fieldRateLimits: { 'User.coupons': { points: 1, seconds: 60 } } })).url;
    const viewer = await system.login(APPS.acme, 'drop-eve');
    const ask = async () =>
      (await fetch(limitedUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer.accessToken}` },
        body: JSON.stringify({ query: '{ me { id coupons { claimedAt } } availableCoupons { id } }' }),
      }).then((response) => response.json())) as GraphQLResult<{ me: { id: string; coupons: unknown[] | null }; availableCoupons: unknown[] }>;
    expect((await ask()).errors).toBeUndefined();
    const limited = await ask();
    expect(limited.data?.me).toEqual({ id: viewer.userId, coupons: null });
    expect(limited.data?.availableCoupons.length).toBeGreaterThan(0);
    expect(limited.errors).toEqual([
      expect.objectContaining({ path: ['me', 'coupons'], extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) as object }),
    ]);
  });

  it('keeps each viewer’s own allowance', async () => {
    const [first, second] = await Promise.all([system.login(APPS.acme, 'drop-cid'), system.login(APPS.acme, 'drop-dee')]);
    for (let i = 0; i < 2; i++) expect((await post(CLAIM, first.accessToken)).errors).toBeUndefined();
    expect((await post(CLAIM, first.accessToken)).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await post(CLAIM, second.accessToken)).errors).toBeUndefined();
  });
});

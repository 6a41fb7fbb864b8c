/**
 * The product's scenario over HTTP, the way the mini-program calls the gateway: Alice logs in on the
 * platform, is linked to ACME through the shared UnionID, agrees to ACME receiving her ACME OpenID,
 * claims a coupon, and is not (yet) linked to Bob's, whose app has its own Open Platform account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekClaims } from '@identity-federation-gateway/subgraph-kit';
import { demoConfig, identityOf } from '../support/fixtures.js';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

const ME_COUPONS = `{ me { id coupons { claimedAt coupon { id title } } } }`;

const claimsSentTo = (proxy: System['received']['coupons']) =>
  proxy.requests.map((r) => peekClaims(String(r.headers['x-identity'])) as unknown as Record<string, unknown>);

describe('the federated scenario', () => {
  let alice: { accessToken: string; userId: string };

  it('1-2: Alice logs in on the platform; ACME data is MERCHANT_IDENTITY_NOT_LINKED while me { id } still resolves', async () => {
    alice = await system.login(APPS.platform, 'alice');
    const result = await system.graphql<{ me: { id: string; coupons: unknown } }>(ME_COUPONS, undefined, alice.accessToken);
    expect(result.status).toBe(200);
    expect(result.data?.me.id).toBe(alice.userId);
    expect(result.data?.me.coupons).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'MERCHANT_IDENTITY_NOT_LINKED', merchantId: 'acme' });
    expect(result.errors![0]!.path).toEqual(['me', 'coupons']);
  });

  it('3: logging in from ACME\u2019s app finds her platform user by UnionID and links ACME', async () => {
    const acmeSession = await system.login(APPS.acme, 'alice');
    expect(acmeSession.userId).toBe(alice.userId);
    const links = await system.graphql<{ me: { linkedMerchants: { merchantId: string; via: string; linkedAt: string }[] } }>(
      `{ me { linkedMerchants { merchantId via linkedAt } } }`,
      undefined,
      alice.accessToken,
    );
    expect(links.errors).toBeUndefined();
    expect(links.data?.me.linkedMerchants).toEqual([{ merchantId: 'acme', via: 'UNIONID', linkedAt: expect.any(String) }]);
  });

  it('3b: until she agrees, ACME gets no OpenID and her coupons answer CONSENT_REQUIRED, with the notice from config', async () => {
    system.received.coupons.requests.length = 0;
    const before = await system.graphql<{ me: { id: string; coupons: unknown; linkedMerchants: unknown[] } }>(
      `{ me { id coupons { coupon { id } } linkedMerchants { merchantId consentRequired merchant { name disclosureConsent { purpose version } } } } }`,
      undefined,
      alice.accessToken,
    );
    expect(before.data?.me.id).toBe(alice.userId);
    expect(before.data?.me.coupons).toBeNull();
    expect(before.errors).toHaveLength(1);
    expect(before.errors![0]!.extensions).toMatchObject({ code: 'CONSENT_REQUIRED', merchantId: 'acme' });
    expect(before.errors![0]!.path).toEqual(['me', 'coupons']);
    const notice = demoConfig.merchants.find((m) => m.id === 'acme')!.disclosureConsent!;
    expect(before.data?.me.linkedMerchants).toEqual([
      { merchantId: 'acme', consentRequired: true, merchant: { name: 'ACME', disclosureConsent: { purpose: notice.purpose, version: notice.version } } },
    ]);
    for (const claims of claimsSentTo(system.received.coupons)) {
      expect(claims.oid).toBeUndefined();
      expect(claims.cr).toBe(true);
    }
    await system.grantDisclosure(alice.accessToken, 'acme');
  });

  it('4: from the platform she claims a coupon, and ACME received exactly her ACME OpenID', async () => {
    system.received.coupons.requests.length = 0;
    const claim = await system.graphql<{ claimCoupon: { coupon: { id: string } } }>(
      `mutation { claimCoupon(couponId: "welcome-10") { claimedAt coupon { id remaining } } }`,
      undefined,
      alice.accessToken,
    );
    expect(claim.errors).toBeUndefined();
    expect(claim.data?.claimCoupon.coupon.id).toBe('welcome-10');
    const mine = await system.graphql<{ me: { coupons: { coupon: { id: string } }[] } }>(ME_COUPONS, undefined, alice.accessToken);
    expect(mine.errors).toBeUndefined();
    expect(mine.data?.me.coupons.map((c) => c.coupon.id)).toEqual(['welcome-10']);
    const expected = (await identityOf(system.simulator, APPS.acme, 'alice')).openId;
    const sent = claimsSentTo(system.received.coupons);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const claims of sent) expect(claims).toMatchObject({ oid: expected, mid: 'acme', app: APPS.acme });
  });

  it('5: the claim is hers in ACME\u2019s own app too, and not Bob\u2019s', async () => {
    const inAcme = await system.login(APPS.acme, 'alice');
    const hers = await system.graphql<{ me: { coupons: { coupon: { id: string } }[] } }>(ME_COUPONS, undefined, inAcme.accessToken);
    expect(hers.data?.me.coupons.map((c) => c.coupon.id)).toEqual(['welcome-10']);
    const bob = await system.login(APPS.acme, 'bob');
    expect(bob.userId).not.toBe(alice.userId);
    const bobs = await system.graphql<{ me: { coupons: unknown[] } }>(ME_COUPONS, undefined, bob.accessToken);
    expect(bobs.errors).toBeUndefined();
    expect(bobs.data?.me.coupons).toEqual([]);
  });

  it('6: Bob\u2019s app shares no UnionID, so her login there is a separate user and products stay unlinked', async () => {
    const inBobs = await system.login(APPS.bobs, 'alice');
    expect(inBobs.userId).not.toBe(alice.userId);
    const result = await system.graphql<{ me: { id: string; favoriteProducts: unknown } }>(
      `{ me { id favoriteProducts { id } } }`,
      undefined,
      alice.accessToken,
    );
    expect(result.data?.me).toEqual({ id: alice.userId, favoriteProducts: null });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'MERCHANT_IDENTITY_NOT_LINKED', merchantId: 'bobs' });
  });
});

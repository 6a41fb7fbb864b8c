/**
 * `Coupon.claimedByMe` through the gateway over HTTP, with the identity the gateway really injects: null
 * without an error for anonymous viewers, the viewer's own answer once ACME knows them, and the kit's
 * codes for a viewer ACME does not know or may not be told about yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem({ coupons: [{ _id: 'mine', title: 'Mine', discountCents: 500, stock: 10 }] });
});
afterAll(() => system.close());

const CLAIMED = '{ availableCoupons { id claimedByMe } }';
type Claimed = { availableCoupons: { id: string; claimedByMe: boolean | null }[] };
const claimedByMe = async (token?: string) => {
  const result = await system.graphql<Claimed>(CLAIMED, undefined, token);
  return { value: result.data?.availableCoupons[0]?.claimedByMe, codes: result.errors?.map((e) => e.extensions?.code) };
};

describe('Coupon.claimedByMe through the gateway', () => {
  it('is null without an error for an anonymous viewer', async () => {
    expect(await claimedByMe()).toEqual({ value: null, codes: undefined });
  });

  it('tells a viewer in ACME’s own app whether they hold the coupon', async () => {
    const session = await system.login(APPS.acme, 'claimer');
    expect(await claimedByMe(session.accessToken)).toEqual({ value: false, codes: undefined });
    const claim = await system.graphql('mutation { claimCoupon(couponId: "mine") { claimedAt } }', undefined, session.accessToken);
    expect(claim.errors).toBeUndefined();
    expect(await claimedByMe(session.accessToken)).toEqual({ value: true, codes: undefined });
  });

  it('is null with MERCHANT_IDENTITY_NOT_LINKED, then CONSENT_REQUIRED, until ACME may know the viewer', async () => {
    const session = await system.login(APPS.platform, 'stranger');
    expect(await claimedByMe(session.accessToken)).toEqual({ value: null, codes: ['MERCHANT_IDENTITY_NOT_LINKED'] });
    // Logging in from ACME's app links the person (same UnionID); the platform app still needs their consent.
    await system.login(APPS.acme, 'stranger');
    expect(await claimedByMe(session.accessToken)).toEqual({ value: null, codes: ['CONSENT_REQUIRED'] });
    await system.grantDisclosure(session.accessToken, 'acme');
    expect(await claimedByMe(session.accessToken)).toEqual({ value: false, codes: undefined });
  });
});

/**
 * A merchant receiving the platform's erasure notices with the kit's `erasureNoticeRoute` (ACME's coupons
 * subgraph): the platform's own outbox delivers one, the claims made under the person's ACME OpenID are
 * gone, a redelivery is harmless, and a forged, misdirected or malformed notice is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { parsePlatformConfig } from '../../platform/config/platform-config.js';
import { Headers } from '../../platform/headers.js';
import { identityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import { ErasureOutbox, signNotice } from '../../subgraphs/identity/erasure-outbox.js';
import { demoConfig } from '../support/fixtures.js';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

const COUPONS = '{ me { coupons { coupon { id } } } }';
type Claims = { me: { coupons: { coupon: { id: string } }[] | null } };

describe('erasure notices at a merchant subgraph', () => {
  it('deletes what the merchant holds under the OpenIDs once the platform delivers the notice, and refuses forgeries', async () => {
    const session = await system.login(APPS.acme, 'erase-me');
    const [coupon] = (await system.graphql<{ availableCoupons: { id: string }[] }>('{ availableCoupons { id } }', undefined, session.accessToken)).data!
      .availableCoupons;
    const claimed = await system.graphql('mutation($id: ID!) { claimCoupon(couponId: $id) { claimedAt } }', { id: coupon!.id }, session.accessToken);
    expect(claimed.errors).toBeUndefined();
    expect((await system.graphql<Claims>(COUPONS, undefined, session.accessToken)).data?.me.coupons).toHaveLength(1);

    const webhook = new URL('/privacy/erasure', system.merchantUrl('coupons')).toString();
    const secret = system.secrets.COUPONS_SUBGRAPH_SECRET!;
    const post = (body: string, headers: Record<string, string>) =>
      fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.status);
    // One timestamp for every body: a body signed must be the very body sent (a millisecond apart, it is not).
    const erasedAt = new Date().toISOString();
    const notice = (merchantId: string) => JSON.stringify({ eventId: 'e1', type: 'person.erased', merchantId, appId: APPS.acme, openIds: ['x'], erasedAt });
    // Forged (wrong secret), another merchant's, malformed, and an event id that does not match its header.
    expect(await post(notice('acme'), { [Headers.eventId]: 'e1', [Headers.signature]: signNotice('not-the-secret-at-all', notice('acme')) })).toBe(401);
    expect(await post(notice('bobs'), { [Headers.eventId]: 'e1', [Headers.signature]: signNotice(secret, notice('bobs')) })).toBe(403);
    expect(await post('{"type":"person.erased"}', { [Headers.eventId]: 'e1', [Headers.signature]: signNotice(secret, '{"type":"person.erased"}') })).toBe(400);
    expect(await post(notice('acme'), { [Headers.eventId]: 'other', [Headers.signature]: signNotice(secret, notice('acme')) })).toBe(400);
    expect((await system.graphql<Claims>(COUPONS, undefined, session.accessToken)).data?.me.coupons).toHaveLength(1);

    // The platform's outbox, pointed at ACME's route, delivers the notice for this person's ACME OpenID.
    const platform = indexPlatform(
      parsePlatformConfig({ ...demoConfig, merchants: demoConfig.merchants.map((m) => (m.id === 'acme' ? { ...m, erasureWebhook: webhook } : m)) }),
    );
    const models = identityModels(system.identityConnection);
    const acme = await models.Identity.findOne({ appId: APPS.acme, userId: session.userId }).lean();
    const outbox = new ErasureOutbox(models, { platform, secretOf: (name) => system.secrets[name], logger: createLogger('test', 'silent'), timeoutMs: 5000 });
    expect(await outbox.enqueue(platform.merchant('acme')!, [acme!.openId], [session.userId])).toBe(true);
    await outbox.deliverDue(); // (the identity service's own worker may take the notice first: either delivers it)
    const deadline = Date.now() + 10_000;
    let claims: unknown[] | null | undefined;
    do {
      claims = (await system.graphql<Claims>(COUPONS, undefined, session.accessToken)).data?.me.coupons;
    } while (claims?.length !== 0 && Date.now() < deadline && (await new Promise((resolve) => setTimeout(resolve, 100)), true));
    expect(claims).toEqual([]);
    expect(await models.ErasureNotice.countDocuments({ deliveredAt: { $exists: true }, merchantId: 'acme' })).toBeGreaterThanOrEqual(1);
    // The merchant's logs name the event, never the OpenIDs.
    expect(system.logs()).toContain('erased a person on the platform');
    expect(system.logs()).not.toContain(acme!.openId);
  });
});

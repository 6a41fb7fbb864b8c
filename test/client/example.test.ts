/**
 * The example mini-program's page logic against the whole system, through the wx shim: the platform app's
 * home page, the handoff to ACME's app, token expiry under parallel load, a reused refresh token, and the
 * gateway in documents-only mode.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertionNonce, loadAccount, startBridgeWithConsent, withdrawBridgeConsent } from '../../examples/mini-program/pages/account/account-logic.js';
import { agreeToDisclosure, claimCoupon, linkMerchant, loadHome } from '../../examples/mini-program/pages/home/home-logic.js';
import { completeHandoff } from '../../examples/mini-program/acme-app/pages/handoff/handoff-logic.js';
import { createAcmeClient } from '../../examples/mini-program/acme-app/config.js';
import { APP_IDS, createPlatformClient } from '../../examples/mini-program/config.js';
import { loadPersistedDocuments } from '../../gateway/features/persisted-documents.js';
import { parsePlatformConfig } from '../../platform/config/platform-config.js';
import { demoConfig } from '../support/fixtures.js';
import { startSystem, type System } from '../support/system.js';
import { createPhone } from '../support/wx-shim.js';

const TTL_SECONDS = 3;
const MANIFEST = fileURLToPath(new URL('../../examples/mini-program/generated/persisted-documents.json', import.meta.url));

let system: System;
beforeAll(async () => {
  // Bob's accepts merchant assertions here, so the example's createAssertionNonce has a route to run.
  const publicJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
  const config = parsePlatformConfig({
    ...demoConfig,
    merchants: demoConfig.merchants.map((m) =>
      m.id === 'bobs' ? { ...m, linking: { ...m.linking, merchantAssertion: true }, assertionKey: { publicJwk } } : m,
    ),
  });
  system = await startSystem({ accessTokenTtlSeconds: TTL_SECONDS, config });
});
afterAll(() => system.close());
beforeEach(() => {
  system.received.identity.requests.length = 0;
});

const calls = (field: 'login' | 'refreshSession') => system.received.identity.requests.filter((r) => new RegExp(`[{ ]${field}\\(`).test(r.body)).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('example mini-program', () => {
  it('first open logs in and renders the page with partial data and a "link" hint per unlinked merchant', async () => {
    const phone = createPhone(system.simulator, 'ex-amy');
    const platform = phone.app(APP_IDS.platform);
    const view = await loadHome(createPlatformClient(platform, system.gatewayUrl, ''));
    expect(platform.logins()).toBe(1);
    expect(view.userId).toBeDefined();
    expect(view.availableCoupons.length).toBeGreaterThan(0);
    expect(view.products.length).toBe(5);
    expect(view.myCoupons).toBeNull();
    expect(view.linkHints.sort()).toEqual(['acme', 'bobs']);
  });

  it('the handoff to ACME\u2019s app links ACME, and the coupons appear on the platform home page', async () => {
    const phone = createPhone(system.simulator, 'ex-bea');
    const platformWx = phone.app(APP_IDS.platform);
    const platform = createPlatformClient(platformWx, system.gatewayUrl, '');
    const first = await loadHome(platform);
    expect(first.linkHints).toContain('acme');

    await linkMerchant(platform, platformWx, 'acme');
    const acmeWx = phone.app(APP_IDS.acme);
    expect(acmeWx.getEnterOptionsSync().referrerInfo.appId).toBe(APP_IDS.platform);
    const handoff = await completeHandoff(createAcmeClient(acmeWx, system.gatewayUrl, ''));
    expect(handoff).toEqual({ linked: true, linkedMerchants: ['acme'] });

    // Linked; ACME asks for consent before it receives her ACME OpenID.
    const linked = await loadHome(platform);
    expect(linked.userId).toBe(first.userId);
    expect(linked.linkHints).not.toContain('acme');
    expect(linked.consentHints).toEqual(['acme']);
    expect(linked.myCoupons).toBeNull();
    expect(await agreeToDisclosure(platform, 'acme')).toBe(true);
    const after = await loadHome(platform);
    expect(after.consentHints).toEqual([]);
    expect(after.myCoupons).toEqual([]);
    expect(await claimCoupon(platform, after.availableCoupons[0]!.id)).toBe(true);
    expect((await loadHome(platform)).myCoupons?.map((claim) => claim.coupon.id)).toEqual([after.availableCoupons[0]!.id]);
  });

  it('access-token expiry in the middle of 10 parallel requests costs one refresh, and all 10 are answered', async () => {
    const platformWx = createPhone(system.simulator, 'ex-cal').app(APP_IDS.platform);
    const client = createPlatformClient(platformWx, system.gatewayUrl, '');
    await loadHome(client);
    const expiresAt = client.session()!.expiresAt;
    // The token's exp is whole seconds, so it dies up to 1 s before the client's estimate: spread the
    // requests over 1.5 s before to 0.5 s after it, each started at its moment.
    const views = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await sleep(Math.max(0, expiresAt - 1500 + i * 200 - Date.now()));
        return loadHome(client);
      }),
    );
    expect(views.every((view) => view.userId === views[0]!.userId && view.products.length === 5)).toBe(true);
    expect(calls('refreshSession')).toBe(1);
    expect(platformWx.logins()).toBe(1);
  });

  it('a reused refresh token ends in a clean re-login of the same person', async () => {
    const platformWx = createPhone(system.simulator, 'ex-dot').app(APP_IDS.platform);
    const client = createPlatformClient(platformWx, system.gatewayUrl, '');
    const before = await loadHome(client);
    const key = `identity-federation:session:${APP_IDS.platform}`;
    const stolen = (JSON.parse(String(platformWx.getStorageSync(key))) as { refreshToken: string }).refreshToken;
    expect((await system.graphql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: stolen })).errors).toBeUndefined();
    await sleep(TTL_SECONDS * 1000 + 1100); // the access token expires; the refresh the client then tries is a reuse
    const after = await loadHome(client);
    expect(after.userId).toBe(before.userId);
    expect(after.products.length).toBe(5);
    expect(platformWx.logins()).toBe(2);
    expect(calls('refreshSession')).toBe(2); // the thief's, then the client's refused one
  });

  it('with PERSISTED_DOCUMENTS_ONLY=true every operation of the example works, and a hand-written query is refused', async () => {
    const gateway = await system.startGateway({ persistedDocuments: { manifest: loadPersistedDocuments(MANIFEST), only: true } });
    const phone = createPhone(system.simulator, 'ex-eli');
    const platformWx = phone.app(APP_IDS.platform);
    const platform = createPlatformClient(platformWx, gateway.url, '');

    const home = await loadHome(platform); // Login, HomePage
    expect(home.linkHints).toContain('acme');
    expect(await assertionNonce(platform, 'bobs')).toMatch(/.+/); // CreateAssertionNonce
    expect(await startBridgeWithConsent(platform)).toMatch(/^http/); // GrantConsent, StartOfficialAccountBridge
    expect(await withdrawBridgeConsent(platform)).toBe(true); // WithdrawConsent
    await linkMerchant(platform, platformWx, 'acme'); // CreateLinkNonce
    const acme = createAcmeClient(phone.app(APP_IDS.acme), gateway.url, '');
    expect((await completeHandoff(acme)).linked).toBe(true); // Login with the nonce, Me
    expect(await agreeToDisclosure(platform, 'acme')).toBe(true); // GrantMerchantDisclosure
    const linked = await loadHome(platform);
    expect(await claimCoupon(platform, linked.availableCoupons[0]!.id)).toBe(true); // ClaimCoupon
    expect((await loadAccount(platform))?.consents.map((c) => c.purpose)).toEqual(['OFFICIAL_ACCOUNT_BRIDGE', 'MERCHANT_DISCLOSURE']); // Me

    await sleep(TTL_SECONDS * 1000 + 1100);
    expect((await loadHome(platform)).userId).toBe(home.userId); // RefreshSession
    await platform.logout(); // Logout
    expect(calls('refreshSession')).toBeGreaterThanOrEqual(1);
    // Nothing was ever sent as text: each document went by its hash alone.
    expect([...platformWx.sent, ...phone.app(APP_IDS.acme).sent].filter((body) => 'query' in JSON.parse(body))).toEqual([]);

    const handWritten = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ availableCoupons { id } }' }),
    });
    expect(handWritten.status).toBe(400);
    expect(((await handWritten.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
  });
});

/**
 * Linking merchants that share no UnionID with the platform, end to end through the gateway with the
 * WeChat simulator: the handoff nonce, the official-account bridge (with and without consent), merchant
 * assertions, refusals, and two routes racing to link the same person.
 */
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlatformConfig, type PlatformConfig } from '../../platform/config/platform-config.js';
import { MERCHANT_ASSERTION_AUDIENCE } from '../../platform/identity/access-token.js';
import { peekClaims } from '@identity-federation-gateway/subgraph-kit';
import { identityModels } from '../../platform/identity-store/models.js';
import { demoConfig, identityOf, loginCode } from '../support/fixtures.js';
import { linkingSteps, type Session } from '../support/linking-steps.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

const merchantKeys = await generateKeyPair('ES256', { extractable: true });
const merchantJwk = await exportJWK(merchantKeys.publicKey);
/** The demo platform with Bob's merchant assertions switched on, validated like any config. */
const config: PlatformConfig = parsePlatformConfig({
  ...demoConfig,
  merchants: demoConfig.merchants.map((m) =>
    m.id === 'bobs' ? { ...m, linking: { ...m.linking, merchantAssertion: true }, assertionKey: { publicJwk: merchantJwk } } : m,
  ),
});

let system: System;
let steps: ReturnType<typeof linkingSteps>;
beforeAll(async () => {
  system = await startSystem({ config });
  steps = linkingSteps(system);
});
const loginWithNonce: ReturnType<typeof linkingSteps>['loginWithNonce'] = (...args) => steps.loginWithNonce(...args);
const handoffNonce: ReturnType<typeof linkingSteps>['handoffNonce'] = (...args) => steps.handoffNonce(...args);
const runBridge: ReturnType<typeof linkingSteps>['runBridge'] = (...args) => steps.runBridge(...args);
afterAll(() => system.close());

const code = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;
const FAVORITES = `{ me { id linkedMerchants { merchantId via } favoriteProducts { id } } }`;
type Favorites = { me: { id: string; linkedMerchants: { merchantId: string; via: string }[]; favoriteProducts: { id: string }[] | null } };

const auditActions = async (userId: string) => (await system.identity.audit.forUser(userId)).map((e) => `${e.action}:${e.route ?? ''}:${e.reason ?? ''}`);

describe('handoff from the platform app to a merchant app', () => {
  it('links Bob\u2019s identity to the platform user, and the next request already carries Bob\u2019s OpenID', async () => {
    const alice = await system.login(APPS.platform, 'alice');
    const before = await system.graphql<Favorites>(FAVORITES, undefined, alice.accessToken);
    expect(code(before)).toBe('MERCHANT_IDENTITY_NOT_LINKED');
    const inBobs = await loginWithNonce(APPS.bobs, 'alice', await handoffNonce(alice));
    expect(inBobs.data?.login.user.id).toBe(alice.userId);

    system.received.products.requests.length = 0;
    await system.graphql(`mutation { favoriteProduct(productId: "p002") { id } }`, undefined, alice.accessToken);
    const after = await system.graphql<Favorites>(FAVORITES, undefined, alice.accessToken);
    expect(after.errors).toBeUndefined();
    expect(after.data?.me.favoriteProducts).toEqual([{ id: 'p002' }]);
    expect(after.data?.me.linkedMerchants).toContainEqual({ merchantId: 'bobs', via: 'HANDOFF' });
    const bobsOpenId = (await identityOf(system.simulator, APPS.bobs, 'alice')).openId;
    expect(system.received.products.requests.some((r) => JSON.stringify(peekClaims(String(r.headers['x-identity']))).includes(bobsOpenId))).toBe(true);
    expect(await auditActions(alice.userId)).toContain('LINK:HANDOFF:');
  });

  it('refuses a replayed, an expired, another merchant\u2019s, a forged and a logged-out nonce, each with its code', async () => {
    const ben = await system.login(APPS.platform, 'ben');
    const nonce = await handoffNonce(ben);
    expect((await loginWithNonce(APPS.bobs, 'ben', nonce)).errors).toBeUndefined();
    expect(code(await loginWithNonce(APPS.bobs, 'ben', nonce))).toBe('LINK_NONCE_USED');

    const cleo = await system.login(APPS.platform, 'cleo');
    const expiring = await handoffNonce(cleo);
    await identityModels(system.identityConnection).LinkNonce.updateMany({ userId: cleo.userId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(code(await loginWithNonce(APPS.bobs, 'cleo', expiring))).toBe('LINK_NONCE_EXPIRED');
    expect(code(await loginWithNonce(APPS.bobs, 'cleo', await handoffNonce(cleo, 'acme')))).toBe('LINK_NONCE_MISMATCH');
    expect(code(await loginWithNonce(APPS.bobs, 'cleo', 'A'.repeat(32)))).toBe('LINK_NONCE_INVALID');

    const loggedOut = await handoffNonce(cleo);
    await system.graphql(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: cleo.refreshToken });
    expect(code(await loginWithNonce(APPS.bobs, 'cleo', loggedOut))).toBe('LINK_NONCE_MISMATCH');

    const refusals = await identityModels(system.identityConnection).AuditEvent.find({ action: 'LINK_REFUSED', route: 'HANDOFF' }).lean();
    expect(refusals.map((r) => r.reason).sort()).toEqual([
      'LINK_NONCE_EXPIRED',
      'LINK_NONCE_INVALID',
      'LINK_NONCE_MISMATCH',
      'LINK_NONCE_MISMATCH',
      'LINK_NONCE_USED',
    ]);
  });

  it('issues nonces only to platform-app sessions', async () => {
    const inAcme = await system.login(APPS.acme, 'dora');
    const result = await system.graphql(`mutation { createLinkNonce(merchantId: "bobs") { nonce } }`, undefined, inAcme.accessToken);
    expect(code(result)).toBe('FORBIDDEN');
  });
});

describe('official-account bridge', () => {
  it('does not link without consent, then links Bob\u2019s app to her platform user as soon as she consents', async () => {
    const platform = await system.login(APPS.platform, 'erin');
    const bobsSide = await system.login(APPS.bobs, 'erin');
    expect(bobsSide.userId).not.toBe(platform.userId);
    expect(await runBridge(bobsSide, 'erin')).toBe(200);
    expect(await runBridge(platform, 'erin')).toBe(200);
    expect(code(await system.graphql(FAVORITES, undefined, platform.accessToken))).toBe('MERCHANT_IDENTITY_NOT_LINKED');
    expect(await auditActions(platform.userId)).toContain('LINK_REFUSED:OA_BRIDGE:no consent');

    const consent = await system.graphql(`mutation { grantConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { purpose grantedAt } }`, undefined, platform.accessToken);
    expect(consent.errors).toBeUndefined();
    const linked = await system.graphql<Favorites>(FAVORITES, undefined, platform.accessToken);
    expect(linked.errors).toBeUndefined();
    expect(linked.data?.me.linkedMerchants).toContainEqual({ merchantId: 'bobs', via: 'OA_BRIDGE' });

    // Her Bob's-side session belonged to the user merged away: it ended with the merge (its access token is
    // refused as revoked, so the client logs in again and lands on the survivor), and so did its refresh token.
    const viaOldToken = await system.graphql<{ me: { id: string } }>(`{ me { id } }`, undefined, bobsSide.accessToken);
    expect(viaOldToken.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    const again = await system.login(APPS.bobs, 'erin');
    expect(again.userId).toBe(platform.userId);
    const refresh = await system.graphql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: bobsSide.refreshToken });
    expect(code(refresh)).toBe('REFRESH_TOKEN_INVALID');
    expect(await auditActions(platform.userId)).toContain('MERGE:OA_BRIDGE:');
  });

  it('links with no further action when consent came first, and never links a snapshot user', async () => {
    const platform = await system.login(APPS.platform, 'finn');
    await system.graphql(`mutation { grantConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { purpose } }`, undefined, platform.accessToken);
    expect(await runBridge(platform, 'finn')).toBe(200);
    const bobsSide = await system.login(APPS.bobs, 'finn');
    expect(await runBridge(bobsSide, 'finn', { snapshot: true })).toBe(403);
    expect(code(await system.graphql(FAVORITES, undefined, platform.accessToken))).toBe('MERCHANT_IDENTITY_NOT_LINKED');
    expect(await runBridge(bobsSide, 'finn')).toBe(200);
    expect((await system.graphql<Favorites>(FAVORITES, undefined, platform.accessToken)).data?.me.linkedMerchants).toContainEqual({
      merchantId: 'bobs',
      via: 'OA_BRIDGE',
    });
  });

  it('stops bridging once consent is withdrawn, and deletes what it collected', async () => {
    const platform = await system.login(APPS.platform, 'gale');
    await system.graphql(`mutation { grantConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { purpose } }`, undefined, platform.accessToken);
    expect(await runBridge(platform, 'gale')).toBe(200);
    await system.graphql(`mutation { withdrawConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { withdrawnAt } }`, undefined, platform.accessToken);
    expect(await identityModels(system.identityConnection).Identity.countDocuments({ userId: platform.userId, bridgeKey: { $exists: true } })).toBe(0);
    const bobsSide = await system.login(APPS.bobs, 'gale');
    await runBridge(bobsSide, 'gale');
    await runBridge(platform, 'gale');
    expect(code(await system.graphql(FAVORITES, undefined, platform.accessToken))).toBe('MERCHANT_IDENTITY_NOT_LINKED');
  });

  it('refuses a replayed callback', async () => {
    const platform = await system.login(APPS.platform, 'hugo');
    const started = await system.graphql<{ startOfficialAccountBridge: { url: string } }>(
      `mutation { startOfficialAccountBridge { url } }`,
      undefined,
      platform.accessToken,
    );
    const authorize = new URL((await fetch(started.data!.startOfficialAccountBridge.url, { redirect: 'manual' })).headers.get('location')!);
    const callback = (await fetch(authorize, { redirect: 'manual', headers: { 'x-sim-user': 'hugo' } })).headers.get('location')!;
    expect((await fetch(callback)).status).toBe(200);
    expect((await fetch(callback)).status).toBe(400);
    expect((await fetch(started.data!.startOfficialAccountBridge.url, { redirect: 'manual' })).status).toBe(400);
  });
});

describe('merchant assertions', () => {
  const assertionNonce = (session: Session) => steps.assertionNonce(session);
  const sign = (claims: Record<string, unknown>, key = merchantKeys.privateKey, lifetime = '5m') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('bobs')
      .setAudience(MERCHANT_ASSERTION_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(lifetime)
      .sign(key);
  const link = (session: Session, assertion: string) =>
    system.graphql<{ linkMerchantAssertion: { merchantId: string; via: string } }>(
      `mutation($a: String!) { linkMerchantAssertion(assertion: $a) { merchantId via } }`,
      { a: assertion },
      session.accessToken,
    );

  it('links the OpenID the merchant signed, once', async () => {
    const ivy = await system.login(APPS.platform, 'ivy');
    const openId = (await identityOf(system.simulator, APPS.bobs, 'ivy')).openId;
    const assertion = await sign({ sub: openId, nonce: await assertionNonce(ivy) });
    const linked = await link(ivy, assertion);
    expect(linked.data?.linkMerchantAssertion).toEqual({ merchantId: 'bobs', via: 'MERCHANT_ASSERTION' });
    expect((await system.graphql<Favorites>(FAVORITES, undefined, ivy.accessToken)).errors).toBeUndefined();
    expect(code(await link(ivy, assertion))).toBe('LINK_NONCE_USED');
  });

  it('refuses forged, over-long, foreign-nonce and wrong-audience assertions', async () => {
    const jack = await system.login(APPS.platform, 'jack');
    const kate = await system.login(APPS.platform, 'kate');
    const openId = (await identityOf(system.simulator, APPS.bobs, 'jack')).openId;
    const otherKey = (await generateKeyPair('ES256')).privateKey;
    expect(code(await link(jack, await sign({ sub: openId, nonce: await assertionNonce(jack) }, otherKey)))).toBe('ASSERTION_INVALID');
    expect(code(await link(jack, await sign({ sub: openId, nonce: await assertionNonce(jack) }, merchantKeys.privateKey, '10m')))).toBe('ASSERTION_INVALID');
    expect(code(await link(jack, await sign({ sub: openId, nonce: await assertionNonce(kate) })))).toBe('LINK_NONCE_MISMATCH');
    const wrongAudience = await new SignJWT({ sub: openId, nonce: await assertionNonce(jack) })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('bobs')
      .setAudience('someone-else')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(merchantKeys.privateKey);
    expect(code(await link(jack, wrongAudience))).toBe('ASSERTION_INVALID');
    expect(code(await link(jack, 'not-a-jwt'))).toBe('ASSERTION_INVALID');
    expect(code(await system.graphql(FAVORITES, undefined, jack.accessToken))).toBe('MERCHANT_IDENTITY_NOT_LINKED');
  });

  it('is refused for a merchant that has the route switched off', async () => {
    const lea = await system.login(APPS.platform, 'lea');
    expect(code(await system.graphql(`mutation { createAssertionNonce(merchantId: "acme") { nonce } }`, undefined, lea.accessToken))).toBe(
      'LINK_ROUTE_DISABLED',
    );
  });
});

describe('third-party platform login', () => {
  it('logs in to a merchant app that authorised the platform through the component API, without the merchant secret', async () => {
    const calls = (path: string) => system.simulator.state.calls.get(path) ?? 0;
    const [component, plain] = [calls('/sns/component/jscode2session'), calls('/sns/jscode2session')];
    const nina = await system.login(APPS.bobs, 'nina');
    expect(calls('/sns/component/jscode2session')).toBe(component + 1);
    expect(calls('/sns/jscode2session')).toBe(plain);
    const openId = (await identityOf(system.simulator, APPS.bobs, 'nina')).openId;
    const identity = await identityModels(system.identityConnection).Identity.findOne({ appId: APPS.bobs, openId }).lean();
    expect(identity?.userId).toBe(nina.userId);
    expect(identity?.via).toBe('THIRD_PARTY_PLATFORM');
  });

  it('answers THIRD_PARTY_NOT_AUTHORIZED when the merchant has withdrawn the authorisation (61003)', async () => {
    await fetch(`${system.simulator.url}/sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/sns/component/jscode2session', errcode: 61003 }),
    });
    const result = await system.graphql(LOGIN, { appId: APPS.bobs, code: await loginCode(system.simulator, APPS.bobs, 'omar') });
    expect(code(result)).toBe('THIRD_PARTY_NOT_AUTHORIZED');
  });

  it('accepts only correctly signed ticket pushes', async () => {
    const events = `${new URL(system.identity.url).origin}/wechat/component/events`;
    expect(await system.simulator.pushVerifyTicket(events)).toBe(200);
    const forged = await fetch(`${events}?timestamp=1&nonce=2&msg_signature=${'0'.repeat(40)}`, {
      method: 'POST',
      body: '<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>',
    });
    expect(forged.status).toBe(400);
  });
});

describe('racing routes', () => {
  it('refuses a bridge callback whose starting session a merge ended while the person was at WeChat', async () => {
    const platform = await system.login(APPS.platform, 'noor');
    await system.graphql(`mutation { grantConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { purpose } }`, undefined, platform.accessToken);
    const bobsSide = await system.login(APPS.bobs, 'noor');
    const nonce = await handoffNonce(platform);
    // The handoff merges Bob's user into the platform user (revoking its sessions) before the callback arrives.
    const status = await runBridge(bobsSide, 'noor', {
      whileAtWechat: async () => expect((await loginWithNonce(APPS.bobs, 'noor', nonce)).errors).toBeUndefined(),
    });
    expect(status).toBe(400);
    const openId = (await identityOf(system.simulator, APPS.bobs, 'noor')).openId;
    const identity = await identityModels(system.identityConnection).Identity.findOne({ appId: APPS.bobs, openId }).lean();
    expect(identity?.userId).toBe(platform.userId);
    expect(identity?.bridgeKey).toBeUndefined();
  });

  it('two routes linking the same person at once end with one user and no duplicate identity', async () => {
    const platform = await system.login(APPS.platform, 'mia');
    await system.graphql(`mutation { grantConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { purpose } }`, undefined, platform.accessToken);
    await runBridge(platform, 'mia');
    const bobsSide = await system.login(APPS.bobs, 'mia');
    const nonce = await handoffNonce(platform);
    const [handoff, bridge] = await Promise.all([loginWithNonce(APPS.bobs, 'mia', nonce), runBridge(bobsSide, 'mia')]);
    expect(handoff.errors).toBeUndefined();
    // The bridge either finishes first (200), or loses to the merge: its session is revoked before the
    // callback redeems the nonce (400), or its identity moves to the survivor before the callback marks it (403).
    expect([200, 400, 403]).toContain(bridge);
    expect(handoff.data?.login.user.id).toBe(platform.userId);
    const models = identityModels(system.identityConnection);
    const openId = (await identityOf(system.simulator, APPS.bobs, 'mia')).openId;
    expect(await models.Identity.countDocuments({ appId: APPS.bobs, openId })).toBe(1);
    expect((await models.Identity.findOne({ appId: APPS.bobs, openId }).lean())?.userId).toBe(platform.userId);
    expect(await models.User.countDocuments({ _id: { $in: [platform.userId, bobsSide.userId] }, mergedInto: { $exists: false } })).toBe(1);
  });
});

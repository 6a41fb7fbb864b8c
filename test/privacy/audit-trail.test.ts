/**
 * Every link route, unlink, merge, refusal, consent change, export and erasure leaves an audit event:
 * one person walks them all through the gateway, and the trail is read back as `npm run audit` reads it.
 */
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlatformConfig } from '../../platform/config/platform-config.js';
import { MERCHANT_ASSERTION_AUDIENCE } from '../../platform/identity/access-token.js';
import { identityModels } from '../../platform/identity-store/models.js';
import { demoConfig, identityOf } from '../support/fixtures.js';
import { linkingSteps, type Session } from '../support/linking-steps.js';
import { APPS, startSystem, type System } from '../support/system.js';

const merchantKeys = await generateKeyPair('ES256', { extractable: true });
const publicJwk = await exportJWK(merchantKeys.publicKey);
const config = parsePlatformConfig({
  ...demoConfig,
  merchants: demoConfig.merchants.map((m) => (m.id === 'bobs' ? { ...m, linking: { ...m.linking, merchantAssertion: true }, assertionKey: { publicJwk } } : m)),
});

let system: System;
let steps: ReturnType<typeof linkingSteps>;
beforeAll(async () => {
  system = await startSystem({ config });
  steps = linkingSteps(system);
});
afterAll(() => system.close());

const trail = async (userId: string) => (await system.identity.audit.forUser(userId)).map((e) => [e.action, e.route ?? '', e.merchantId ?? ''].join(':'));
const assertion = async (session: Session, openId: string) =>
  new SignJWT({ sub: openId, nonce: await steps.assertionNonce(session) })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('bobs')
    .setAudience(MERCHANT_ASSERTION_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(merchantKeys.privateKey);
const linkAssertion = (session: Session, jwt: string) =>
  system.graphql(`mutation($a: String!) { linkMerchantAssertion(assertion: $a) { via } }`, { a: jwt }, session.accessToken);

describe('the audit trail', () => {
  it('records each link route, refusal, merge, consent change, unlink and export of a person', async () => {
    const alice = await system.login(APPS.platform, 'alice'); // LOGIN
    await system.login(APPS.acme, 'alice'); // UNIONID, at login
    await system.grantDisclosure(alice.accessToken, 'acme');
    await system.graphql(`mutation { withdrawConsent(purpose: MERCHANT_DISCLOSURE, merchantId: "acme") { withdrawnAt } }`, undefined, alice.accessToken);
    const inBobs = await system.login(APPS.bobs, 'alice'); // THIRD_PARTY_PLATFORM, a user of its own
    expect(await trail(inBobs.userId)).toEqual(['LINK:THIRD_PARTY_PLATFORM:bobs']);
    const nonce = await steps.handoffNonce(alice);
    await steps.loginWithNonce(APPS.bobs, 'alice', nonce); // HANDOFF, merging the Bob's user into hers
    await steps.loginWithNonce(APPS.bobs, 'alice', nonce); // replayed: refused
    await system.graphql(`mutation($m: ID!) { unlinkMerchant(merchantId: $m) { id } }`, { m: 'acme' }, alice.accessToken);
    await system.graphql(`mutation { exportMyData }`, undefined, alice.accessToken);

    expect(await trail(alice.userId)).toEqual([
      'LINK:LOGIN:',
      'LINK:UNIONID:acme',
      'CONSENT_GRANTED::acme',
      'CONSENT_WITHDRAWN::acme',
      'LINK:THIRD_PARTY_PLATFORM:bobs',
      'MERGE:HANDOFF:',
      'LINK:HANDOFF:bobs',
      'LINK_REFUSED:HANDOFF:bobs',
      'UNLINK:UNIONID:acme',
      'EXPORT::',
    ]);
  });

  it('records the bridge (with its consent), merchant assertions and refused merges', async () => {
    const ben = await system.login(APPS.platform, 'ben');
    await system.graphql(`mutation { grantConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { purpose } }`, undefined, ben.accessToken);
    expect(await steps.runBridge(ben, 'ben')).toBe(200);
    expect(await steps.runBridge(await system.login(APPS.bobs, 'ben'), 'ben')).toBe(200);
    expect(await trail(ben.userId)).toEqual(['LINK:LOGIN:', 'CONSENT_GRANTED::', 'LINK:THIRD_PARTY_PLATFORM:bobs', 'MERGE:OA_BRIDGE:', 'LINK:OA_BRIDGE:bobs']);

    const cara = await system.login(APPS.platform, 'cara');
    expect((await linkAssertion(cara, await assertion(cara, (await identityOf(system.simulator, APPS.bobs, 'cara')).openId))).errors).toBeUndefined();
    // Bob's now asserts another of its users is Cara: she already holds a different Bob's identity, so it is refused.
    await system.login(APPS.bobs, 'dave');
    const conflict = await linkAssertion(cara, await assertion(cara, (await identityOf(system.simulator, APPS.bobs, 'dave')).openId));
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDENTITY_CONFLICT');
    expect(await trail(cara.userId)).toEqual([
      'LINK:LOGIN:',
      'LINK:MERCHANT_ASSERTION:bobs',
      'MERGE_REFUSED:MERCHANT_ASSERTION:',
      'LINK_REFUSED:MERCHANT_ASSERTION:bobs',
    ]);
  });

  it('keeps an erased person\u2019s events as tombstones without identifiers, and records the erasure', async () => {
    const eve = await system.login(APPS.platform, 'eve');
    await system.login(APPS.acme, 'eve');
    const before = await trail(eve.userId);
    expect(before).toEqual(['LINK:LOGIN:', 'LINK:UNIONID:acme']);
    await system.graphql(`mutation { deleteMyAccount { deleted } }`, undefined, eve.accessToken);
    expect(await trail(eve.userId)).toEqual([]);
    const events = await identityModels(system.identityConnection).AuditEvent.find({ tombstone: true }).sort({ at: 1 }).lean();
    expect(events.map((e) => `${e.action}:${e.route ?? ''}`)).toEqual(['LINK:LOGIN', 'LINK:UNIONID', 'ERASURE:']);
    for (const event of events) {
      expect(event.userId).toBeUndefined();
      expect(event.otherUserId).toBeUndefined();
      expect(event.requestId).toBeUndefined();
      expect(JSON.stringify(event)).not.toContain(eve.userId);
    }
  });
});

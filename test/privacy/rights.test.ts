/**
 * The person's rights through the gateway, as the mini-program uses them: disclosure consent and its log,
 * unlink, export and account deletion with the erasure notice reaching the merchant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlatformConfig } from '../../platform/config/platform-config.js';
import { identityModels } from '../../platform/identity-store/models.js';
import type { DataExport } from '../../subgraphs/identity/data-export.js';
import { startErasureReceiver, type ErasureReceiver } from '../support/erasure-receiver.js';
import { demoConfig, identityOf } from '../support/fixtures.js';
import { linkingSteps } from '../support/linking-steps.js';
import { APPS, DISCLOSURE_FLUSH_MS, startSystem, type System } from '../support/system.js';

let system: System;
let receiver: ErasureReceiver;
beforeAll(async () => {
  receiver = await startErasureReceiver(() => system.secrets.COUPONS_SUBGRAPH_SECRET!);
  const config = parsePlatformConfig({
    ...demoConfig,
    merchants: demoConfig.merchants.map((m) => (m.id === 'acme' ? { ...m, erasureWebhook: receiver.url } : m)),
  });
  system = await startSystem({ config });
});
afterAll(async () => {
  await system.close();
  await receiver.close();
});

const code = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;
const models = () => identityModels(system.identityConnection);
type Links = {
  me: { linkedMerchants: { merchantId: string; via: string; consentRequired: boolean; firstDisclosedAt: string | null; lastDisclosedAt: string | null }[] };
};
const LINKS = `{ me { linkedMerchants { merchantId via consentRequired firstDisclosedAt lastDisclosedAt } } }`;
const COUPONS = `{ me { coupons { coupon { id } } } }`;
const UNLINK = `mutation($m: ID!) { unlinkMerchant(merchantId: $m) { id linkedMerchants { merchantId } } }`;

/** A platform user linked to ACME by UnionID who agreed to the disclosure. */
async function linkedPerson(name: string) {
  const person = await system.login(APPS.platform, name);
  await system.login(APPS.acme, name);
  await system.grantDisclosure(person.accessToken, 'acme');
  return person;
}

describe('merchant disclosure consent', () => {
  it('lists merchants with their notice, records the notice version, and logs when the OpenID was provided', async () => {
    const merchants = await system.graphql<{ merchants: { id: string; disclosureConsent: { required: boolean; version: string } | null }[] }>(
      `{ merchants { id name disclosureConsent { required purpose notice version } } }`,
    );
    expect(merchants.data?.merchants.map((m) => [m.id, m.disclosureConsent?.required ?? false])).toEqual([
      ['acme', true],
      ['bobs', false],
    ]);
    const person = await linkedPerson('dana');
    const consents = await system.graphql<{ me: { consents: { purpose: string; merchantId: string; noticeVersion: string }[] } }>(
      `{ me { consents { purpose merchantId noticeVersion grantedAt withdrawnAt } } }`,
      undefined,
      person.accessToken,
    );
    expect(consents.data?.me.consents).toEqual([
      { purpose: 'MERCHANT_DISCLOSURE', merchantId: 'acme', noticeVersion: '2026-01', grantedAt: expect.any(String), withdrawnAt: null },
    ]);
    expect((await system.graphql(COUPONS, undefined, person.accessToken)).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, DISCLOSURE_FLUSH_MS * 4));
    const links = await system.graphql<Links>(LINKS, undefined, person.accessToken);
    const acme = links.data!.me.linkedMerchants.find((l) => l.merchantId === 'acme')!;
    expect(acme.consentRequired).toBe(false);
    expect(Date.parse(acme.firstDisclosedAt!)).toBeLessThanOrEqual(Date.parse(acme.lastDisclosedAt!));
  });

  it('refuses MERCHANT_DISCLOSURE without a merchant, for an unknown one, and a merchant id on other purposes', async () => {
    const person = await system.login(APPS.platform, 'eli');
    const ask = (args: string) => system.graphql(`mutation { grantConsent(${args}) { purpose } }`, undefined, person.accessToken);
    expect(code(await ask('purpose: MERCHANT_DISCLOSURE'))).toBe('BAD_USER_INPUT');
    expect(code(await ask('purpose: MERCHANT_DISCLOSURE, merchantId: "nobody"'))).toBe('BAD_USER_INPUT');
    expect(code(await ask('purpose: MERCHANT_DISCLOSURE, merchantId: "bobs"'))).toBe('BAD_USER_INPUT');
    expect(code(await ask('purpose: OFFICIAL_ACCOUNT_BRIDGE, merchantId: "acme"'))).toBe('BAD_USER_INPUT');
  });
});

describe('unlinkMerchant', () => {
  it('moves the merchant identity to a user of its own, at once, and neither UnionID nor a new login links it back', async () => {
    const person = await linkedPerson('fay');
    const unlinked = await system.graphql<{ unlinkMerchant: { linkedMerchants: unknown[] } }>(UNLINK, { m: 'acme' }, person.accessToken);
    expect(unlinked.errors).toBeUndefined();
    expect(unlinked.data?.unlinkMerchant.linkedMerchants).toEqual([]);
    expect(code(await system.graphql(COUPONS, undefined, person.accessToken))).toBe('MERCHANT_IDENTITY_NOT_LINKED');

    // ACME's app still logs in: as its own user now, again and again.
    const inAcme = await system.login(APPS.acme, 'fay');
    expect(inAcme.userId).not.toBe(person.userId);
    expect((await system.graphql(COUPONS, undefined, inAcme.accessToken)).errors).toBeUndefined();
    expect((await system.login(APPS.platform, 'fay')).userId).toBe(person.userId);
    expect(code(await system.graphql(COUPONS, undefined, person.accessToken))).toBe('MERCHANT_IDENTITY_NOT_LINKED');
    // The disclosure consent went with the link.
    expect(await models().Consent.countDocuments({ userId: person.userId, merchantId: 'acme', withdrawnAt: { $exists: false } })).toBe(0);
  });

  it('is not undone by the official-account bridge, even with the bridge consent on', async () => {
    const steps = linkingSteps(system);
    const person = await system.login(APPS.platform, 'lia');
    await system.graphql(`mutation { grantConsent(purpose: OFFICIAL_ACCOUNT_BRIDGE) { purpose } }`, undefined, person.accessToken);
    expect(await steps.runBridge(person, 'lia')).toBe(200);
    expect(await steps.runBridge(await system.login(APPS.bobs, 'lia'), 'lia')).toBe(200);
    expect((await system.graphql<Links>(LINKS, undefined, person.accessToken)).data?.me.linkedMerchants).toMatchObject([
      { merchantId: 'bobs', via: 'OA_BRIDGE' },
    ]);
    expect((await system.graphql(UNLINK, { m: 'bobs' }, person.accessToken)).errors).toBeUndefined();
    expect(await steps.runBridge(await system.login(APPS.bobs, 'lia'), 'lia')).toBe(200);
    expect(await steps.runBridge(person, 'lia')).toBe(200);
    expect((await system.graphql<Links>(LINKS, undefined, person.accessToken)).data?.me.linkedMerchants).toEqual([]);
  });

  it('is undone only by an explicit link (a handoff from the platform app)', async () => {
    const person = await linkedPerson('gus');
    await system.graphql(UNLINK, { m: 'acme' }, person.accessToken);
    const steps = linkingSteps(system);
    const relinked = await steps.loginWithNonce(APPS.acme, 'gus', await steps.handoffNonce(person, 'acme'));
    expect(relinked.data?.login.user.id).toBe(person.userId);
    const links = await system.graphql<Links>(LINKS, undefined, person.accessToken);
    expect(links.data?.me.linkedMerchants).toMatchObject([{ merchantId: 'acme', via: 'HANDOFF', consentRequired: true }]);
  });

  it('never unlinks the platform\u2019s own identity, nor what is not linked', async () => {
    const platformOnly = await system.login(APPS.platform, 'hal');
    expect(code(await system.graphql(UNLINK, { m: 'acme' }, platformOnly.accessToken))).toBe('MERCHANT_IDENTITY_NOT_LINKED');
    expect(code(await system.graphql(UNLINK, { m: 'nobody' }, platformOnly.accessToken))).toBe('BAD_USER_INPUT');
    const acmeOnly = await system.login(APPS.acme, 'ida');
    expect(code(await system.graphql(UNLINK, { m: 'acme' }, acmeOnly.accessToken))).toBe('FORBIDDEN');
    expect(await models().Identity.countDocuments({ userId: platformOnly.userId, appId: APPS.platform })).toBe(1);
  });
});

describe('exportMyData', () => {
  it('returns everything stored about the viewer in the documented shape, and is audited', async () => {
    const person = await linkedPerson('jo');
    await system.graphql(COUPONS, undefined, person.accessToken);
    await new Promise((resolve) => setTimeout(resolve, DISCLOSURE_FLUSH_MS * 4));
    const result = await system.graphql<{ exportMyData: DataExport }>(`mutation { exportMyData }`, undefined, person.accessToken);
    expect(result.errors).toBeUndefined();
    const data = result.data!.exportMyData;
    const acmeOpenId = (await identityOf(system.simulator, APPS.acme, 'jo')).openId;
    expect(data).toMatchObject({ version: 1, user: { id: person.userId } });
    expect(data.identities.map((i) => [i.appId, i.linkRoute])).toEqual([
      [APPS.platform, 'LOGIN'],
      [APPS.acme, 'UNIONID'],
    ]);
    expect(data.identities[1]!.openId).toBe(acmeOpenId);
    expect(data.links).toEqual([{ merchantId: 'acme', appId: APPS.acme, route: 'UNIONID', linkedAt: expect.any(String) }]);
    expect(data.consents).toMatchObject([{ purpose: 'MERCHANT_DISCLOSURE', merchantId: 'acme', noticeVersion: '2026-01' }]);
    expect(data.disclosures).toMatchObject([{ merchantId: 'acme' }]);
    expect(data.sessions.map((s) => s.appId).sort()).toEqual([APPS.platform, APPS.acme].sort());
    expect(data.auditEvents.map((e) => `${e.action}:${e.route ?? ''}`)).toEqual(['LINK:LOGIN', 'LINK:UNIONID', 'CONSENT_GRANTED:']);
    const again = await system.graphql<{ exportMyData: DataExport }>(`mutation { exportMyData }`, undefined, person.accessToken);
    expect(again.data!.exportMyData.auditEvents.at(-1)).toMatchObject({ action: 'EXPORT', byOperator: false });
  });
});

describe('deleteMyAccount', () => {
  it('deletes the account and its data, ends every token, keeps tombstones, and tells ACME to erase its OpenID', async () => {
    const person = await linkedPerson('kim');
    await system.graphql(COUPONS, undefined, person.accessToken);
    const acmeOpenId = (await identityOf(system.simulator, APPS.acme, 'kim')).openId;
    const deleted = await system.graphql<{ deleteMyAccount: { deleted: boolean; merchantsNotified: string[] } }>(
      `mutation { deleteMyAccount { deleted merchantsNotified } }`,
      undefined,
      person.accessToken,
    );
    expect(deleted.data?.deleteMyAccount).toEqual({ deleted: true, merchantsNotified: ['acme'] });

    // Every token stops working: the gateway refuses the access token (the session revocation feed), the refresh token is gone.
    const me = await system.graphql(`{ me { id } }`, undefined, person.accessToken);
    expect(me.status).toBe(401);
    expect(code(me)).toBe('UNAUTHENTICATED');
    expect(code(await system.graphql(COUPONS, undefined, person.accessToken))).toBe('UNAUTHENTICATED');
    const refresh = await system.graphql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: person.refreshToken });
    expect(code(refresh)).toBe('REFRESH_TOKEN_INVALID');

    const m = models();
    for (const model of [m.Identity, m.Consent, m.Disclosure, m.RefreshToken, m.UnionLink, m.LinkNonce] as const) {
      expect(await (model as typeof m.Identity).countDocuments({ userId: person.userId })).toBe(0);
    }
    expect(await m.User.countDocuments({ _id: person.userId })).toBe(0);
    expect(await m.AuditEvent.countDocuments({ $or: [{ userId: person.userId }, { otherUserId: person.userId }] })).toBe(0);
    expect(await m.AuditEvent.countDocuments({ action: 'ERASURE', tombstone: true, userId: { $exists: false } })).toBeGreaterThan(0);

    const start = Date.now();
    while (!receiver.accepted.some((n) => n.openIds.includes(acmeOpenId)) && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(receiver.accepted.filter((n) => n.openIds.includes(acmeOpenId))).toMatchObject([{ merchantId: 'acme', appId: APPS.acme }]);
    expect(receiver.badSignatures).toBe(0);
    // Her ACME app logs in afresh as someone new.
    expect((await system.login(APPS.acme, 'kim')).userId).not.toBe(person.userId);
  });
});

/**
 * The Session returned by login and refreshSession resolves its user fully as the new session's viewer:
 * identity-subgraph fields inside the identity subgraph, merchant fields (coupons, favoriteProducts) in the
 * merchant subgraphs, which must receive that person's OpenID although the request itself carried no token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_SESSIONS_EXTENSION } from '../../platform/identity/access-token.js';
import { peekClaims } from '@identity-federation-gateway/subgraph-kit';
import { identityOf, loginCode } from '../support/fixtures.js';
import { APPS, startSystem, type System } from '../support/system.js';

const USER_FIELDS = `user {
  id
  linkedMerchants { merchantId linkedAt via }
  consents { purpose grantedAt withdrawnAt }
  coupons { claimedAt coupon { id } }
  favoriteProducts { id name priceCents }
}`;
const LOGIN_ALL = `mutation($appId: ID!, $code: String!, $linkNonce: String) {
  login(appId: $appId, code: $code, linkNonce: $linkNonce) { accessToken refreshToken ${USER_FIELDS} }
}`;
const REFRESH_ALL = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken ${USER_FIELDS} } }`;

interface SessionUser {
  id: string;
  linkedMerchants: { merchantId: string; via: string }[];
  consents: unknown[];
  coupons: unknown[] | null;
  favoriteProducts: unknown[] | null;
}
type LoginAnswer = { login: { accessToken: string; refreshToken: string; user: SessionUser } };

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

/** The OpenIDs the last request to a merchant subgraph asserted. */
const lastOpenId = (subgraph: 'coupons' | 'products') => {
  const header = String(system.received[subgraph].requests.at(-1)?.headers['x-identity'] ?? '');
  return peekClaims(header)?.oid;
};
const clear = () => Object.values(system.received).forEach((proxy) => (proxy.requests.length = 0));

describe('Session.user', () => {
  it('resolves every field after login, as the new session\u2019s viewer, with merchant fields from that person\u2019s OpenID', async () => {
    await system.login(APPS.platform, 'carol');
    clear();
    // Carol's ACME identity joins her platform user through the shared UnionID.
    const result = await system.graphql<LoginAnswer>(LOGIN_ALL, { appId: APPS.acme, code: await loginCode(system.simulator, APPS.acme, 'carol') });
    const user = result.data!.login.user;
    expect(user.linkedMerchants.map((m) => m.merchantId)).toEqual(['acme']);
    expect(user.coupons).toEqual([]);
    expect(user.consents).toEqual([]);
    // Bob's is not linked: only that field is null, with the code that says so.
    expect(user.favoriteProducts).toBeNull();
    expect(result.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([['login.user.favoriteProducts', 'MERCHANT_IDENTITY_NOT_LINKED']]);
    expect(lastOpenId('coupons')).toBe((await identityOf(system.simulator, APPS.acme, 'carol')).openId);
    expect(JSON.stringify(result)).not.toContain(NEW_SESSIONS_EXTENSION);
  });

  it('resolves every field after a handoff login with a link nonce, and after refreshSession', async () => {
    const platform = await system.login(APPS.platform, 'dave');
    const nonce = await system.graphql<{ createLinkNonce: { nonce: string } }>(
      `mutation { createLinkNonce(merchantId: "bobs") { nonce } }`,
      undefined,
      platform.accessToken,
    );
    clear();
    const handoff = await system.graphql<LoginAnswer>(LOGIN_ALL, {
      appId: APPS.bobs,
      code: await loginCode(system.simulator, APPS.bobs, 'dave'),
      linkNonce: nonce.data!.createLinkNonce.nonce,
    });
    expect(handoff.data!.login.user.id).toBe(platform.userId);
    expect(handoff.data!.login.user.linkedMerchants).toContainEqual(expect.objectContaining({ merchantId: 'bobs', via: 'HANDOFF' }));
    expect(handoff.data!.login.user.favoriteProducts).toEqual([]);
    const bobsOpenId = (await identityOf(system.simulator, APPS.bobs, 'dave')).openId;
    expect(lastOpenId('products')).toBe(bobsOpenId);

    clear();
    const refreshed = await system.graphql<{ refreshSession: LoginAnswer['login'] }>(REFRESH_ALL, { t: handoff.data!.login.refreshToken });
    expect(refreshed.data!.refreshSession.user.id).toBe(platform.userId);
    expect(refreshed.data!.refreshSession.user.favoriteProducts).toEqual([]);
    expect(refreshed.data!.refreshSession.user.linkedMerchants.map((m) => m.merchantId)).toEqual(['bobs']);
    expect(lastOpenId('products')).toBe(bobsOpenId);
  });

  it('uses the new session only under its own field: another person\u2019s token on the request does not leak in', async () => {
    const erin = await system.login(APPS.platform, 'erin');
    await system.login(APPS.acme, 'erin');
    await system.login(APPS.platform, 'frank');
    clear();
    const result = await system.graphql<LoginAnswer>(
      LOGIN_ALL,
      { appId: APPS.acme, code: await loginCode(system.simulator, APPS.acme, 'frank') },
      erin.accessToken,
    );
    const frankAcme = (await identityOf(system.simulator, APPS.acme, 'frank')).openId;
    expect(result.data!.login.user.id).not.toBe(erin.userId);
    expect(system.received.coupons.requests.map((r) => peekClaims(String(r.headers['x-identity']))?.oid)).toEqual([frankAcme]);
  });
});

/** The pure pieces of injection: which claims each subgraph gets, the signature, and pseudonyms. */
import { describe, expect, it } from 'vitest';
import { identityClaimsFor } from '../../gateway/identity-injection.js';
import { pairwisePseudonym, pseudonymizeUserRepresentations } from '../../gateway/pseudonym.js';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { identityKey, signIdentity, verifyIdentity, type IdentityClaims, type IdentityRequest } from '@identity-federation-gateway/subgraph-kit';
import { APPS, demoConfig } from '../support/fixtures.js';

const platform = indexPlatform(demoConfig);
const viewer = { userId: 'user-1', appId: APPS.platform, sessionId: 's' };
const identities = new Map([
  ['acme', { appId: APPS.acme, openId: 'oACME_OPENID_OF_USER_1_xxxxxx', consented: true }],
  ['bobs', { appId: APPS.bobs, openId: 'oBOBS_OPENID_OF_USER_1_xxxxxx' }],
]);
const input = { nowSeconds: 1000, viewer, merchantIdentities: identities, pseudonym: 'u_p' };

describe('identityClaimsFor', () => {
  it('gives the identity subgraph the user id and session app, and nothing merchant-specific', () => {
    const claims = identityClaimsFor(platform, { ...input, subgraph: 'identity' });
    expect(claims).toEqual({ v: 1, sg: 'identity', iat: 1000, exp: 1030, uid: 'user-1', sapp: APPS.platform, sid: 's' });
  });

  it('gives a merchant subgraph only that merchant\u2019s OpenID and pseudonym', () => {
    const claims = identityClaimsFor(platform, { ...input, subgraph: 'coupons' });
    expect(claims).toEqual({
      v: 1,
      sg: 'coupons',
      iat: 1000,
      exp: 1030,
      mid: 'acme',
      app: APPS.acme,
      oid: 'oACME_OPENID_OF_USER_1_xxxxxx',
      psu: 'u_p',
    });
    expect(JSON.stringify(claims)).not.toContain('user-1');
    expect(JSON.stringify(claims)).not.toContain('BOBS');
  });

  it('sends no OpenID but a consent-required claim while the person has not consented to a merchant that asks', () => {
    const unconsented = new Map([['acme', { appId: APPS.acme, openId: 'oACME_OPENID_OF_USER_1_xxxxxx', consented: false }]]);
    const claims = identityClaimsFor(platform, { ...input, subgraph: 'coupons', merchantIdentities: unconsented });
    expect(claims).toEqual({ v: 1, sg: 'coupons', iat: 1000, exp: 1030, mid: 'acme', app: APPS.acme, psu: 'u_p', cr: true });
    // In ACME's own mini-program the OpenID is ACME's own login: nothing is disclosed, no consent is needed.
    const inAcme = identityClaimsFor(platform, { ...input, viewer: { ...viewer, appId: APPS.acme }, subgraph: 'coupons', merchantIdentities: unconsented });
    expect(inAcme.oid).toBe('oACME_OPENID_OF_USER_1_xxxxxx');
    expect(inAcme.cr).toBeUndefined();
    // Bob's asks for no consent: its OpenID goes without one.
    expect(identityClaimsFor(platform, { ...input, subgraph: 'products' }).oid).toBe('oBOBS_OPENID_OF_USER_1_xxxxxx');
  });

  it('omits the OpenID when the viewer is not linked to the merchant, and everything personal when anonymous', () => {
    expect(identityClaimsFor(platform, { ...input, subgraph: 'products', merchantIdentities: new Map() }).oid).toBeUndefined();
    const anonymous = identityClaimsFor(platform, { ...input, subgraph: 'coupons', viewer: undefined, merchantIdentities: undefined, pseudonym: undefined });
    expect(anonymous).toEqual({ v: 1, sg: 'coupons', iat: 1000, exp: 1030, mid: 'acme', app: APPS.acme });
  });
});

describe('signed identity', () => {
  const claims: IdentityClaims = { v: 1, sg: 'coupons', iat: 1000, exp: 1030, oid: 'o1' };
  const SECRET = 'secret-secret-secret';
  const key = identityKey(SECRET);
  const check = (secret: string, subgraph: string, request: IdentityRequest, now: number) => verifyIdentity({ ...request, secret, subgraph, now });
  const body = JSON.stringify({ query: '{ me { id } }', variables: { a: 1 } });
  const headers = signIdentity(key, claims, body);
  const post = (h: Record<string, string>, rawBody: string | undefined = body, method = 'POST') => ({ method, headers: h, rawBody });

  it('verifies for the right subgraph, secret, body and time', () => {
    expect(check(SECRET, 'coupons', post(headers), 1010)).toEqual({ ok: true, claims });
  });

  it('treats no identity headers as anonymous', () => {
    expect(check(SECRET, 'coupons', post({}), 1010)).toEqual({ ok: true, claims: undefined });
    expect(check(SECRET, 'coupons', post({}, undefined, 'GET'), 1010)).toEqual({ ok: true, claims: undefined });
  });

  it('refuses claims without a signature, unsigned identity headers (alone or beside a signed one), a forged signature, another subgraph, another body, a GET and stale claims', () => {
    const refuse = (result: ReturnType<typeof check>) => expect(result.ok).toBe(false);
    const [encoded, signature] = headers['x-identity']!.split('.');
    refuse(check(SECRET, 'coupons', post({ 'x-identity': encoded! }), 1010));
    refuse(check(SECRET, 'coupons', post({ 'x-identity-claims': encoded! }), 1010));
    refuse(check('another-secret-value', 'coupons', post(headers), 1010));
    refuse(check(SECRET, 'coupons', post({ ...headers, 'x-identity-openid': 'o2' }), 1010));
    const tampered = Buffer.from(JSON.stringify({ ...claims, oid: 'o2' })).toString('base64url');
    refuse(check(SECRET, 'coupons', post({ 'x-identity': `${tampered}.${signature}` }), 1010));
    refuse(check(SECRET, 'products', post(headers), 1010));
    refuse(check(SECRET, 'coupons', post(headers, JSON.stringify({ query: '{ me { id } }', variables: { a: 2 } })), 1010));
    // The same query and variables serialised differently is another body: signatures cover bytes, not meaning.
    refuse(check(SECRET, 'coupons', post(headers, JSON.stringify({ variables: { a: 1 }, query: '{ me { id } }' })), 1010));
    refuse(check(SECRET, 'coupons', post(headers, undefined, 'GET'), 1010));
    refuse(check(SECRET, 'coupons', post(headers), 1030 + 6));
  });
});

describe('pseudonyms', () => {
  it('are stable per (secret, user), differ across merchants and users, and replace only User representation ids', () => {
    expect(pairwisePseudonym('a-secret', 'u1')).toBe(pairwisePseudonym('a-secret', 'u1'));
    expect(pairwisePseudonym('a-secret', 'u1')).not.toBe(pairwisePseudonym('b-secret', 'u1'));
    expect(pairwisePseudonym('a-secret', 'u1')).not.toBe(pairwisePseudonym('a-secret', 'u2'));
    const vars = {
      representations: [
        { __typename: 'User', id: 'u1' },
        { __typename: 'Coupon', id: 'c1' },
      ],
      other: 1,
    };
    expect(pseudonymizeUserRepresentations(vars, (id) => `p(${id})`)).toEqual({
      representations: [
        { __typename: 'User', id: 'p(u1)' },
        { __typename: 'Coupon', id: 'c1' },
      ],
      other: 1,
    });
    expect(vars.representations[0]!.id).toBe('u1');
  });
});

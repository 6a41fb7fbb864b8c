/** The viewer verifier tells an expired token from a bad one, and reads the Bearer scheme case-insensitively. */
import { createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { createViewerVerifier } from '../../gateway/viewer.js';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { AccessTokenIssuer } from '../../subgraphs/identity/access-tokens.js';

async function setUp() {
  const issuer = await AccessTokenIssuer.create(undefined, 60);
  let clock = Date.now();
  const verify = createViewerVerifier(createLocalJWKSet(issuer.jwks()), () => clock);
  const { token } = await issuer.issue({ sub: 'user-1', app: 'wx1000000000000001', sid: 'family-1' });
  return { verify, token, advance: (ms: number) => (clock += ms) };
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

describe('viewer verifier', () => {
  it('accepts the Bearer scheme in any case (RFC 7235)', async () => {
    const { verify, token } = await setUp();
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(await verify(`${scheme} ${token}`)).toEqual({
        userId: 'user-1',
        appId: 'wx1000000000000001',
        sessionId: 'family-1',
        tokenExpiresAtMs: expect.any(Number) as number,
      });
    }
  });

  it('answers an expired token with 401 UNAUTHENTICATED reason TOKEN_EXPIRED, even after it was cached as valid', async () => {
    const { verify, token, advance } = await setUp();
    await verify(`Bearer ${token}`);
    advance(61_000);
    const error = await rejection(verify(`Bearer ${token}`));
    expect([error.status, error.code, error.extensions.reason]).toEqual([401, 'UNAUTHENTICATED', 'TOKEN_EXPIRED']);
    expect(JSON.parse(error.body()).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
  });

  it('answers a forged, a foreign, a malformed token and another scheme with reason TOKEN_INVALID', async () => {
    const { verify, token } = await setUp();
    const other = await AccessTokenIssuer.create(undefined, 60);
    const foreign = (await other.issue({ sub: 'user-1', app: 'wx1000000000000001', sid: 'f' })).token;
    for (const header of [`Bearer ${token.slice(0, -4)}AAAA`, `Bearer ${foreign}`, 'Bearer not-a-jwt', `Basic ${token}`]) {
      const error = await rejection(verify(header));
      expect([error.status, error.code, error.extensions.reason]).toEqual([401, 'UNAUTHENTICATED', 'TOKEN_INVALID']);
    }
  });

  it('keeps one verification per token, however the header spells "Bearer": variants never take other entries', async () => {
    const issuer = await AccessTokenIssuer.create(undefined, 60);
    const keys = createLocalJWKSet(issuer.jwks());
    let verifications = 0;
    const verify = createViewerVerifier((header, token) => {
      verifications++;
      return keys(header, token);
    });
    const { token } = await issuer.issue({ sub: 'user-1', app: 'wx1000000000000001', sid: 'family-1' });
    const viewers = [];
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER    ${token}`, `Bearer ${' '.repeat(4000)}${token}`]) viewers.push(await verify(header));
    expect(verifications).toBe(1);
    // The same viewer object: what is keyed on it (encoded claims) is shared too.
    expect(new Set(viewers).size).toBe(1);
  });

  it('treats a missing header as an anonymous viewer', async () => {
    const { verify } = await setUp();
    expect(await verify(undefined)).toBeUndefined();
  });
});

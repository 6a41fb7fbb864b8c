/**
 * Short-lived access tokens: ES256 JWTs whose public key the identity service publishes as a JWKS,
 * so the gateway verifies them without sharing any secret.
 */
import { SignJWT, exportJWK, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { createHash } from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type AccessTokenClaims } from '../../platform/identity/access-token.js';

/** @default 15 minutes: long enough for a session, short enough that revocation by refresh-token family bites soon. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export class AccessTokenIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    private readonly ttlSeconds: number,
  ) {}

  /** From a PKCS#8 PEM key, or a fresh key pair when none is given (development only; tokens die with the process). */
  static async create(privateKeyPem?: string, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): Promise<AccessTokenIssuer> {
    const privateKey = privateKeyPem
      ? await importPKCS8(privateKeyPem, ACCESS_TOKEN_ALGORITHM, { extractable: true })
      : (await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { extractable: true })).privateKey;
    const { d: _private, ...publicJwk } = await exportJWK(privateKey);
    const kid = createHash('sha256')
      .update(JSON.stringify([publicJwk.x, publicJwk.y]))
      .digest('base64url')
      .slice(0, 16);
    return new AccessTokenIssuer(privateKey, { ...publicJwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' }, ttlSeconds);
  }

  async issue(claims: AccessTokenClaims): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ app: claims.app, sid: claims.sid })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: this.publicJwk.kid!, typ: 'at+jwt' })
      .setSubject(claims.sub)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.privateKey);
    return { token, expiresIn: this.ttlSeconds };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }
}

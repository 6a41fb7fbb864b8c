/**
 * Verifies a merchant's signed link assertion: a short-lived JWT (iss = merchant, sub = the merchant's
 * OpenID of the person, aud = the platform, nonce issued to the person's platform session), signed with
 * the key the platform config registers for that merchant.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import type { MerchantConfig } from '../../platform/config/platform-config.js';
import { PlatformError } from '../../platform/errors.js';
import { MERCHANT_ASSERTION_AUDIENCE, MERCHANT_ASSERTION_MAX_SECONDS } from '../../platform/identity/access-token.js';

export interface VerifiedAssertion {
  merchant: MerchantConfig;
  openId: string;
  nonce: string;
}

const OPENID = /^[A-Za-z0-9_-]{6,64}$/;
const invalid = (why: string) => new PlatformError('ASSERTION_INVALID', `The merchant assertion is not valid: ${why}.`);

export class MerchantAssertionVerifier {
  private readonly keys = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly platform: PlatformIndex) {}

  async verify(assertion: string): Promise<VerifiedAssertion> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(assertion).iss;
    } catch {
      throw invalid('not a JWT');
    }
    const merchant = typeof issuer === 'string' ? this.platform.merchant(issuer) : undefined;
    if (!merchant) throw invalid('unknown issuer');
    if (!merchant.linking.merchantAssertion || !merchant.assertionKey) {
      throw new PlatformError('LINK_ROUTE_DISABLED', `Merchant assertions are switched off for ${merchant.id}.`);
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keyOf(merchant), {
        issuer: merchant.id,
        audience: MERCHANT_ASSERTION_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
        maxTokenAge: MERCHANT_ASSERTION_MAX_SECONDS,
        algorithms: ['ES256', 'RS256', 'EdDSA'],
      }));
    } catch (error) {
      throw invalid((error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'expired' : 'signature, audience or lifetime check failed');
    }
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > MERCHANT_ASSERTION_MAX_SECONDS) throw invalid('lives longer than 5 minutes');
    if (typeof payload.sub !== 'string' || !OPENID.test(payload.sub)) throw invalid('sub is not an OpenID');
    if (typeof payload.nonce !== 'string') throw invalid('nonce missing');
    return { merchant, openId: payload.sub, nonce: payload.nonce };
  }

  private keyOf(merchant: MerchantConfig): JWTVerifyGetKey {
    let key = this.keys.get(merchant.id);
    if (!key) {
      const spec = merchant.assertionKey!;
      key = 'jwksUrl' in spec ? createRemoteJWKSet(new URL(spec.jwksUrl)) : createLocalJWKSet({ keys: [spec.publicJwk as JWK] });
      this.keys.set(merchant.id, key);
    }
    return key;
  }
}

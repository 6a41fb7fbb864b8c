/**
 * Decides what a subgraph learns about the viewer. Pure: no I/O, no clock, no HTTP. The identity
 * subgraph gets the platform user id; a merchant's subgraph gets that merchant's OpenID of the viewer
 * (and nothing else: no UnionID, no other app's OpenID, no platform user id), and only once the person
 * consented when the merchant requires it.
 */
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { IDENTITY_TTL_SECONDS, type IdentityClaims } from '@identity-federation-gateway/subgraph-kit';
import type { MerchantIdentities } from './identity-directory.js';
import type { Viewer } from './viewer.js';

export interface InjectionInput {
  subgraph: string;
  nowSeconds: number;
  viewer: Viewer | undefined;
  /** The viewer's merchant identities; needed only for merchant subgraphs. */
  merchantIdentities: MerchantIdentities | undefined;
  /** The viewer's pseudonym for this subgraph. */
  pseudonym: string | undefined;
}

export function identityClaimsFor(platform: PlatformIndex, input: InjectionInput): IdentityClaims {
  const base: IdentityClaims = { v: 1, sg: input.subgraph, iat: input.nowSeconds, exp: input.nowSeconds + IDENTITY_TTL_SECONDS };
  if (input.subgraph === platform.config.identitySubgraph) {
    return input.viewer ? { ...base, uid: input.viewer.userId, sapp: input.viewer.appId, sid: input.viewer.sessionId } : base;
  }
  const merchant = platform.merchantBySubgraph(input.subgraph);
  if (!merchant) return base;
  const claims: IdentityClaims = { ...base, mid: merchant.id, app: merchant.appId };
  if (!input.viewer) return claims;
  const identity = input.merchantIdentities?.get(merchant.id);
  const withPseudonym = input.pseudonym ? { ...claims, psu: input.pseudonym } : claims;
  if (!identity) return withPseudonym;
  // Linked, but the person has not agreed to this merchant receiving it (PIPL art. 23): say so, send no OpenID.
  // In the merchant's own mini-program nothing is disclosed: the merchant's own login gave it that OpenID.
  if (merchant.disclosureConsent?.required && !identity.consented && input.viewer.appId !== merchant.appId) return { ...withPseudonym, cr: true };
  return { ...withPseudonym, oid: identity.openId };
}

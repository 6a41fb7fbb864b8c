/**
 * What a merchant's resolvers know about the person using them: the OpenID of that person in the
 * merchant's own mini-program, exactly as the merchant's own login would give it. Signatures, headers
 * and platform ids never reach merchant code.
 */
import { CONSENT_REQUIRED, MERCHANT_IDENTITY_NOT_LINKED, SubgraphError } from './errors.js';
import type { IdentityClaims } from './identity-assertion.js';

export class MerchantViewer {
  private constructor(
    readonly merchantId: string,
    /** The viewer's OpenID in the merchant's app, when the platform has linked it. */
    readonly openId: string | undefined,
    /** The pairwise pseudonym the platform uses for this person towards this merchant (User.id here). */
    private readonly pseudonym: string | undefined,
    /** Linked, but the person has not (or no longer) consented to the platform providing the OpenID. */
    readonly consentMissing: boolean,
  ) {}

  /** Builds the viewer from verified claims; undefined claims mean an anonymous request. */
  static fromClaims(merchantId: string, claims: IdentityClaims | undefined): MerchantViewer {
    const own = claims?.mid === merchantId ? claims : undefined;
    return new MerchantViewer(merchantId, own?.oid, own?.psu, own?.cr === true && own.oid === undefined);
  }

  /**
   * No one is logged in: the platform sends a pseudonym (`psu`) for every logged-in viewer, so its absence
   * (and of any OpenID) is an anonymous request. Fields about "me" are then null without an error, where
   * a logged-in viewer without your OpenID gets `requireOpenId()`'s error.
   */
  get anonymous(): boolean {
    return this.pseudonym === undefined && this.openId === undefined && !this.consentMissing;
  }

  /** The OpenID, or the error a field needing it reports (the rest of the response still resolves). */
  requireOpenId(): string {
    if (!this.openId && this.consentMissing) {
      throw new SubgraphError(CONSENT_REQUIRED, `You have not agreed to the platform giving ${this.merchantId} your ${this.merchantId} ID yet.`, {
        merchantId: this.merchantId,
      });
    }
    if (!this.openId) {
      throw new SubgraphError(MERCHANT_IDENTITY_NOT_LINKED, `You have no ${this.merchantId} identity linked to your account yet.`, {
        merchantId: this.merchantId,
      });
    }
    return this.openId;
  }

  /** True when a User entity reference is the viewer (merchant data is only ever the viewer's own). */
  isViewer(userId: string): boolean {
    return this.pseudonym !== undefined && userId === this.pseudonym;
  }
}

/** The context every merchant subgraph resolver receives. */
export interface MerchantContext {
  viewer: MerchantViewer;
  requestId: string;
}

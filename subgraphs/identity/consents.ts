/**
 * Consents (PIPL art. 23): a purpose (for MERCHANT_DISCLOSURE, one merchant), when it was granted and
 * with which notice version, and when withdrawn. Every change is audited and appended to the identity
 * change feed, because gateways decide from consents whether to inject a merchant's OpenID. Withdrawing
 * the official-account bridge consent also deletes the bridge observations of the user's identities.
 */
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { PlatformError } from '../../platform/errors.js';
import { recordIdentityChange, type ConsentDoc, type ConsentPurpose, type IdentityModels } from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';

/** Who changes a consent: the person (no operator) or a console operator. */
export interface Actor {
  requestId?: string;
  operatorId?: string;
}

export class Consents {
  constructor(
    private readonly models: Pick<IdentityModels, 'Consent' | 'Identity' | 'IdentityChange'>,
    private readonly audit: AuditLog,
    private readonly platform: PlatformIndex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The active consent for a purpose (and merchant), if any. */
  active(userId: string, purpose: ConsentPurpose, merchantId?: string): Promise<ConsentDoc | null> {
    return this.models.Consent.findOne({ userId, purpose, withdrawnAt: { $exists: false }, ...(merchantId ? { merchantId } : {}) })
      .lean<ConsentDoc>()
      .exec();
  }

  /** Every consent the user ever gave, withdrawn ones included (the history). */
  ofUser(userId: string): Promise<ConsentDoc[]> {
    return this.models.Consent.find({ userId }).sort({ grantedAt: 1 }).lean<ConsentDoc[]>().exec();
  }

  /** True if any of `userIds` holds an active consent for `purpose`. */
  async anyActive(userIds: string[], purpose: ConsentPurpose): Promise<boolean> {
    return (await this.models.Consent.exists({ userId: { $in: userIds }, purpose, withdrawnAt: { $exists: false } })) !== null;
  }

  async grant(userId: string, purpose: ConsentPurpose, merchantId: string | undefined, actor: Actor = {}): Promise<ConsentDoc> {
    const noticeVersion = this.checkTarget(purpose, merchantId);
    const existing = await this.active(userId, purpose, merchantId);
    if (existing) return existing;
    const created = await this.models.Consent.create({ userId, purpose, merchantId, noticeVersion, grantedAt: this.now() });
    await recordIdentityChange(this.models, [userId]);
    await this.audit.record({ action: 'CONSENT_GRANTED', userId, reason: purpose, merchantId, ...actor });
    return created.toObject();
  }

  async withdraw(userId: string, purpose: ConsentPurpose, merchantId: string | undefined, actor: Actor = {}): Promise<ConsentDoc | null> {
    this.checkTarget(purpose, merchantId);
    const updated = await this.models.Consent.findOneAndUpdate(
      { userId, purpose, withdrawnAt: { $exists: false }, ...(merchantId ? { merchantId } : {}) },
      { $set: { withdrawnAt: this.now() } },
      { returnDocument: 'after' },
    )
      .lean<ConsentDoc>()
      .exec();
    if (purpose === 'OFFICIAL_ACCOUNT_BRIDGE') {
      // Data collected for the purpose goes with the consent (PIPL art. 47).
      await this.models.Identity.updateMany({ userId, bridgeKey: { $exists: true } }, { $unset: { bridgeKey: 1 } }).exec();
    }
    if (updated) {
      // Gateways stop injecting the OpenID: at once on the one that proxied this, within a poll elsewhere.
      await recordIdentityChange(this.models, [userId]);
      await this.audit.record({ action: 'CONSENT_WITHDRAWN', userId, reason: purpose, merchantId, ...actor });
    }
    return updated;
  }

  /** Checks purpose and merchant belong together; the notice version a MERCHANT_DISCLOSURE grant records. */
  private checkTarget(purpose: ConsentPurpose, merchantId: string | undefined): string | undefined {
    if (purpose !== 'MERCHANT_DISCLOSURE') {
      if (merchantId !== undefined) throw new PlatformError('BAD_USER_INPUT', `${purpose} is not given per merchant: omit merchantId.`);
      return undefined;
    }
    if (merchantId === undefined) throw new PlatformError('BAD_USER_INPUT', 'MERCHANT_DISCLOSURE needs the merchantId it is given to.');
    const notice = this.platform.merchant(merchantId)?.disclosureConsent;
    if (!notice) throw new PlatformError('BAD_USER_INPUT', 'This merchant does not ask for disclosure consent.');
    return notice.version;
  }
}

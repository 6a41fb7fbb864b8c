/**
 * Consents (PIPL art. 23): a purpose, when it was granted, and when withdrawn. Withdrawing the
 * official-account bridge consent also deletes the bridge observations of the user's identities.
 */
import type { ConsentDoc, ConsentPurpose, IdentityModels } from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';

export class Consents {
  constructor(
    private readonly models: Pick<IdentityModels, 'Consent' | 'Identity'>,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The active consent for a purpose, if any. */
  active(userId: string, purpose: ConsentPurpose): Promise<ConsentDoc | null> {
    return this.models.Consent.findOne({ userId, purpose, withdrawnAt: { $exists: false } })
      .lean<ConsentDoc>()
      .exec();
  }

  ofUser(userId: string): Promise<ConsentDoc[]> {
    return this.models.Consent.find({ userId }).sort({ grantedAt: 1 }).lean<ConsentDoc[]>().exec();
  }

  /** True if any of `userIds` holds an active consent for `purpose`. */
  async anyActive(userIds: string[], purpose: ConsentPurpose): Promise<boolean> {
    return (await this.models.Consent.exists({ userId: { $in: userIds }, purpose, withdrawnAt: { $exists: false } })) !== null;
  }

  async grant(userId: string, purpose: ConsentPurpose, requestId?: string): Promise<ConsentDoc> {
    const existing = await this.active(userId, purpose);
    if (existing) return existing;
    const created = await this.models.Consent.create({ userId, purpose, grantedAt: this.now() });
    await this.audit.record({ action: 'CONSENT_GRANTED', userId, reason: purpose, requestId });
    return created.toObject();
  }

  async withdraw(userId: string, purpose: ConsentPurpose, requestId?: string): Promise<ConsentDoc | null> {
    const now = this.now();
    const updated = await this.models.Consent.findOneAndUpdate(
      { userId, purpose, withdrawnAt: { $exists: false } },
      { $set: { withdrawnAt: now } },
      { returnDocument: 'after' },
    )
      .lean<ConsentDoc>()
      .exec();
    if (purpose === 'OFFICIAL_ACCOUNT_BRIDGE') {
      // Data collected for the purpose goes with the consent (PIPL art. 47).
      await this.models.Identity.updateMany({ userId, bridgeKey: { $exists: true } }, { $unset: { bridgeKey: 1 } }).exec();
    }
    if (updated) await this.audit.record({ action: 'CONSENT_WITHDRAWN', userId, reason: purpose, requestId });
    return updated;
  }
}

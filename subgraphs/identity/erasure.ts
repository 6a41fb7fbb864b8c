/**
 * Deleting an account (PIPL art. 47): the user and every user merged into it, their identities (with
 * session keys and bridge data), UnionID claims, sessions, consents, disclosure log and nonces. Audit
 * events stay as tombstones without any identifier. Each merchant that was given an OpenID of the
 * person gets an erasure notice through the durable outbox, queued before anything is deleted so a crash
 * midway loses no notice (running the erasure again finishes it).
 */
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { recordIdentityChange, type IdentityDoc, type IdentityModels, type UserDoc } from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';
import type { Actor } from './consents.js';
import type { ErasureOutbox } from './erasure-outbox.js';
import { liveFamilies, revokeFamilies } from './identity-store.js';

export interface ErasureResult {
  /** Merchants an erasure notice was queued for. */
  notifiedMerchants: string[];
}

export class AccountEraser {
  constructor(
    private readonly models: IdentityModels,
    private readonly audit: AuditLog,
    private readonly platform: PlatformIndex,
    private readonly outbox: ErasureOutbox,
  ) {}

  async erase(userId: string, actor: Actor = {}): Promise<ErasureResult> {
    const { models } = this;
    const merged = await models.User.find({ mergedInto: userId }, { _id: 1 }).lean<UserDoc[]>().exec();
    const ids = [userId, ...merged.map((u) => u._id)];
    const notifiedMerchants = await this.queueNotices(ids);

    // Every gateway refuses the person's access tokens from its next poll on; then the tokens go.
    await revokeFamilies(models, await liveFamilies(models, { userId: { $in: ids } }), new Date());
    await models.RefreshToken.deleteMany({ userId: { $in: ids } }).exec();
    await models.Identity.deleteMany({ userId: { $in: ids } }).exec();
    await models.UnionLink.deleteMany({ userId: { $in: ids } }).exec();
    await models.Consent.deleteMany({ userId: { $in: ids } }).exec();
    await models.Disclosure.deleteMany({ userId: { $in: ids } }).exec();
    await models.LinkNonce.deleteMany({ userId: { $in: ids } }).exec();
    await models.Merge.deleteMany({ $or: [{ _id: { $in: ids } }, { target: { $in: ids } }] }).exec();
    await models.User.deleteMany({ _id: { $in: ids } }).exec();
    // A gateway's disclosure log may have written between the first delete and the user's: again. (It
    // checks the user exists after writing, so nothing it writes later outlives this.)
    await models.Disclosure.deleteMany({ userId: { $in: ids } }).exec();
    // Gateways drop what they cached: the deleted user's tokens find no identity anywhere.
    await recordIdentityChange(models, ids);

    // What happened stays; who it happened to does not.
    await models.AuditEvent.updateMany(
      { userId: { $in: ids } },
      { $set: { tombstone: true }, $unset: { userId: 1, otherUserId: 1, requestId: 1, key: 1 } },
    ).exec();
    await models.AuditEvent.updateMany({ otherUserId: { $in: ids } }, { $unset: { otherUserId: 1 } }).exec();
    await this.audit.record({
      action: 'ERASURE',
      tombstone: true,
      reason: `erasure notices queued: ${notifiedMerchants.length}`,
      operatorId: actor.operatorId,
    });
    return { notifiedMerchants };
  }

  /** One notice per merchant that holds an OpenID of the person through the platform (linked, or logged as provided). */
  private async queueNotices(ids: string[]): Promise<string[]> {
    const [identities, disclosures] = await Promise.all([
      this.models.Identity.find({ userId: { $in: ids }, merchantId: { $ne: null } })
        .lean<IdentityDoc[]>()
        .exec(),
      this.models.Disclosure.find({ userId: { $in: ids } }, { merchantId: 1 })
        .lean<{ merchantId: string }[]>()
        .exec(),
    ]);
    const merchantIds = new Set([...identities.map((i) => i.merchantId!), ...disclosures.map((d) => d.merchantId)]);
    const notified: string[] = [];
    for (const merchantId of merchantIds) {
      const merchant = this.platform.merchant(merchantId);
      const openIds = identities.filter((i) => i.merchantId === merchantId).map((i) => i.openId);
      // A merchant identity unlinked earlier lives on as its own user; there is nothing of this person to name.
      if (!merchant || openIds.length === 0) continue;
      if (await this.outbox.enqueue(merchant, openIds, ids)) notified.push(merchantId);
    }
    return notified;
  }
}

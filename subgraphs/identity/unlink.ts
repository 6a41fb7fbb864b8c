/**
 * Unlinking a merchant (PIPL art. 47 applied to a link): the merchant identity leaves the user and
 * becomes a user of its own, so the merchant's app still logs in, as someone the platform no longer
 * ties to the person. It is marked so that no automatic route (UnionID at login, the official-account
 * bridge) links it again; an explicit link (handoff, merchant assertion) does. The platform's own
 * identities are never unlinked.
 */
import { randomUUID } from 'node:crypto';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { PlatformError } from '../../platform/errors.js';
import { recordIdentityChange, type IdentityDoc, type IdentityModels } from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';
import type { Actor, Consents } from './consents.js';
import { liveFamilies, revokeFamilies } from './identity-store.js';

export class UnlinkService {
  constructor(
    private readonly models: IdentityModels,
    private readonly audit: AuditLog,
    private readonly consents: Consents,
    private readonly platform: PlatformIndex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Unlinks `merchantId` from the user; returns the merchant identities that left (usually one). */
  async unlinkMerchant(userId: string, merchantId: string, actor: Actor = {}): Promise<IdentityDoc[]> {
    const merchant = this.platform.merchant(merchantId);
    if (!merchant) throw new PlatformError('BAD_USER_INPUT', 'Unknown merchant.');
    const identities = await this.models.Identity.find({ userId }).lean<IdentityDoc[]>().exec();
    const leaving = identities.filter((identity) => identity.merchantId === merchantId);
    if (leaving.length === 0)
      throw new PlatformError('MERCHANT_IDENTITY_NOT_LINKED', `No ${merchant.name} identity is linked to this account.`, { merchantId });
    if (leaving.length === identities.length) {
      throw new PlatformError('FORBIDDEN', `This account has no identity besides ${merchant.name}'s: log in on the platform first, or delete the account.`);
    }
    const now = this.now();
    for (const identity of leaving) {
      const ownUser = randomUUID();
      await this.models.User.updateOne({ _id: ownUser }, { $setOnInsert: { _id: ownUser } }, { upsert: true }).exec();
      await this.models.Identity.updateOne(
        { _id: identity._id, userId },
        { $set: { userId: ownUser, via: 'LOGIN', linkedAt: now, unlinkedAt: now }, $unset: { mergedFrom: 1, bridgeKey: 1 } },
      ).exec();
      await recordIdentityChange(this.models, [userId, ownUser]);
      await this.audit.record({ action: 'UNLINK', route: identity.via, userId, merchantId, appId: identity.appId, ...actor });
    }
    // The merchant app's sessions of this user would keep acting as the person: they end; its next login is the new user.
    await revokeFamilies(this.models, await liveFamilies(this.models, { userId, appId: merchant.appId }), now);
    // Consent to provide an OpenID goes with the link it was about.
    await this.consents.withdraw(userId, 'MERCHANT_DISCLOSURE', merchantId, actor).catch((error: unknown) => {
      if (!(error instanceof PlatformError && error.code === 'BAD_USER_INPUT')) throw error;
    });
    return leaving;
  }
}

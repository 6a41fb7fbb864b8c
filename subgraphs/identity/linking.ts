/**
 * Linking an identity to a user. When the identity already belongs to another user, the two users are
 * one person: the merge service merges the newer into the older, or refuses on conflicting identities.
 * Every link and refusal is audited.
 */
import { PlatformError } from '../../platform/errors.js';
import type { IdentityDoc, IdentityModels, LinkRoute } from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';
import type { IdentityMetrics } from './identity-metrics.js';
import type { MergeService } from './merges.js';

export interface LinkRequest {
  identity: Pick<IdentityDoc, '_id' | 'userId' | 'appId' | 'merchantId'>;
  /** The user the identity must belong to. */
  userId: string;
  route: LinkRoute;
  requestId?: string;
}

export class LinkService {
  constructor(
    private readonly models: IdentityModels,
    private readonly merges: MergeService,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
    private readonly metrics?: IdentityMetrics,
  ) {}

  /** Links and returns the surviving user id; IDENTITY_CONFLICT when the accounts cannot be one person. */
  async link({ identity, userId, route, requestId }: LinkRequest): Promise<string> {
    const subject = { merchantId: identity.merchantId ?? undefined, appId: identity.appId, requestId };
    const result = await this.merges.merge(identity.userId, userId, route, requestId);
    if (result.outcome === 'REFUSED') {
      this.metrics?.link(route, 'IDENTITY_CONFLICT');
      await this.audit.record({ action: 'LINK_REFUSED', route, userId, otherUserId: identity.userId, reason: result.reason, ...subject });
      throw new PlatformError('IDENTITY_CONFLICT', 'These accounts hold different WeChat identities for the same app, so they are not linked.');
    }
    await this.models.Identity.updateOne({ _id: identity._id }, { $set: { via: route, linkedAt: this.now() } }).exec();
    this.metrics?.link(route, 'ok');
    await this.audit.record({
      action: 'LINK',
      route,
      userId: result.survivor,
      ...(identity.userId !== result.survivor ? { otherUserId: identity.userId } : {}),
      ...subject,
    });
    return result.survivor;
  }

  /** Records a refused link attempt (bad nonce, snapshot user, missing consent...). */
  refused(route: LinkRoute, reason: string, details: { userId?: string; merchantId?: string; appId?: string; requestId?: string }): Promise<void> {
    this.metrics?.link(route, 'refused');
    return this.audit.record({ action: 'LINK_REFUSED', route, reason, ...details });
  }
}

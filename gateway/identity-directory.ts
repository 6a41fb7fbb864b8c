/**
 * The gateway's read-only view of the identity store: a viewer's merchant identities (which OpenID
 * goes to which merchant). One query per user; the per-request loader makes that one per request.
 */
import type { IdentityModels } from '../platform/identity-store/models.js';

export interface MerchantIdentity {
  appId: string;
  openId: string;
}

/** merchantId → that merchant's identity of the user. */
export type MerchantIdentities = ReadonlyMap<string, MerchantIdentity>;

export interface IdentityDirectory {
  merchantIdentities(userIds: readonly string[]): Promise<Map<string, MerchantIdentities>>;
}

export function mongoIdentityDirectory(models: Pick<IdentityModels, 'Identity'>): IdentityDirectory {
  return {
    async merchantIdentities(userIds) {
      const docs = await models.Identity.find(
        { userId: { $in: userIds }, merchantId: { $ne: null } },
        { userId: 1, merchantId: 1, appId: 1, openId: 1, _id: 0 },
      )
        .lean<{ userId: string; merchantId: string; appId: string; openId: string }[]>()
        .exec();
      const result = new Map<string, Map<string, MerchantIdentity>>(userIds.map((id) => [id, new Map()]));
      for (const doc of docs) result.get(doc.userId)?.set(doc.merchantId, { appId: doc.appId, openId: doc.openId });
      return result;
    },
  };
}

/**
 * What the console reads from the identity store: finding a user by any identifier, the dashboard's
 * counts, and a user's merge records. Writes go through the identity service's PrivacyRights only.
 */
import type { IdentityDoc, IdentityModels, MergeDoc, UserDoc } from '../platform/identity-store/models.js';

export interface Dashboard {
  users: number;
  linksByRoute: { route: string; count: number }[];
  refusedMerges: number;
  pendingErasureNotices: number;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

export class UserLookup {
  constructor(private readonly models: IdentityModels) {}

  /** The users a platform user id, an OpenID of any app or a UnionID names (resolved through merges). */
  async find(query: string): Promise<string[]> {
    const q = query.trim();
    if (!ID.test(q)) return [];
    const [user, identities] = await Promise.all([
      this.models.User.findById(q).lean<UserDoc>().exec(),
      this.models.Identity.find({ $or: [{ openId: q }, { unionId: q }] }, { userId: 1 })
        .lean<IdentityDoc[]>()
        .exec(),
    ]);
    const ids = new Set(identities.map((i) => i.userId));
    if (user) ids.add(user.mergedInto ?? user._id);
    return [...ids];
  }

  exists(userId: string): Promise<boolean> {
    return this.models.User.exists({ _id: userId }).then((found) => found !== null);
  }

  /** The full identities (with OpenIDs) of a user, for masking and revealing one at a time. */
  identities(userId: string): Promise<IdentityDoc[]> {
    return this.models.Identity.find({ userId }).sort({ linkedAt: 1 }).lean<IdentityDoc[]>().exec();
  }

  /** Merges into this user and refused merges involving it. */
  merges(userId: string): Promise<MergeDoc[]> {
    return this.models.Merge.find({ $or: [{ _id: userId }, { target: userId }] })
      .sort({ createdAt: 1 })
      .lean<MergeDoc[]>()
      .exec();
  }

  async dashboard(): Promise<Dashboard> {
    const [users, routes, refusedMerges, pendingErasureNotices] = await Promise.all([
      this.models.User.countDocuments({ mergedInto: { $exists: false } }).exec(),
      this.models.Identity.aggregate<{ _id: string; count: number }>([
        { $match: { merchantId: { $ne: null } } },
        { $group: { _id: '$via', count: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ]).exec(),
      this.models.Merge.countDocuments({ outcome: 'REFUSED' }).exec(),
      this.models.ErasureNotice.countDocuments({ deliveredAt: { $exists: false } }).exec(),
    ]);
    return { users, linksByRoute: routes.map((r) => ({ route: r._id, count: r.count })), refusedMerges, pendingErasureNotices };
  }
}

/**
 * The identity subgraph's data access: every mongoose call it makes is here. Writes that two logins can
 * race on rely on unique indexes and re-read on a duplicate key, so no multi-document transaction is
 * needed (standalone MongoDB and the embedded dev server have none).
 */
import { recordIdentityChange } from '../../platform/identity-store/models.js';
import type { Connection } from 'mongoose';
import { ACCESS_TOKEN_TTL_SECONDS } from './access-tokens.js';
import {
  identityModels,
  isDuplicateKeyError,
  type DisclosureDoc,
  type EncryptedValue,
  type IdentityDoc,
  type IdentityModels,
  type LinkRoute,
  type RefreshTokenDoc,
} from '../../platform/identity-store/models.js';

export type NewIdentity = Pick<IdentityDoc, 'appId' | 'openId' | 'merchantId' | 'userId' | 'via'> & {
  unionId?: string;
  openPlatform?: string;
  sessionKey?: EncryptedValue;
};

export class IdentityStore {
  readonly models: IdentityModels;

  constructor(connection: Connection) {
    this.models = identityModels(connection);
  }

  /** Builds the indexes the store's guarantees depend on. */
  async init(): Promise<void> {
    await Promise.all(Object.values(this.models).map((model) => model.createIndexes()));
  }

  findIdentity(appId: string, openId: string): Promise<IdentityDoc | null> {
    return this.models.Identity.findOne({ appId, openId }).lean<IdentityDoc>().exec();
  }

  /**
   * The user a UnionID belongs to, claiming it for `candidateUserId` if nobody has it yet. Concurrent
   * claims agree on one user: the upsert is atomic, and a duplicate-key answer (real MongoDB may give one
   * to a racing upsert) means someone else won, so read theirs.
   */
  async claimUnionId(openPlatform: string, unionId: string, candidateUserId: string): Promise<{ userId: string; claimed: boolean }> {
    const _id = `${openPlatform}:${unionId}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const link = await this.models.UnionLink.findOneAndUpdate(
          { _id },
          { $setOnInsert: { userId: candidateUserId } },
          { upsert: true, returnDocument: 'after' },
        )
          .lean()
          .exec();
        return { userId: link!.userId, claimed: link!.userId === candidateUserId };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    const link = await this.models.UnionLink.findById(_id).lean().exec();
    if (!link) throw new Error('UnionID claim lost three races and found no winner');
    return { userId: link.userId, claimed: false };
  }

  /** Inserts the identity, or returns the one a concurrent login inserted first (same app, same OpenID). */
  async insertIdentity(identity: NewIdentity, now: Date): Promise<{ identity: IdentityDoc; inserted: boolean }> {
    try {
      const created = await this.models.Identity.create({ ...identity, linkedAt: now, lastLoginAt: now });
      await recordIdentityChange(this.models, [identity.userId]);
      return { identity: created.toObject(), inserted: true };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.findIdentity(identity.appId, identity.openId);
      if (!existing) throw error;
      return { identity: existing, inserted: false };
    }
  }

  /** Creates the user document if missing (idempotent: safe to repeat after a crash). */
  async ensureUser(userId: string): Promise<void> {
    await this.models.User.updateOne({ _id: userId }, { $setOnInsert: { _id: userId } }, { upsert: true }).exec();
  }

  /** Records a login on an existing identity: new session key, and the UnionID if WeChat now sends one. */
  async recordLogin(
    identityId: IdentityDoc['_id'],
    update: { sessionKey?: EncryptedValue; unionId?: string; openPlatform?: string },
    now: Date,
  ): Promise<void> {
    const set: Record<string, unknown> = { lastLoginAt: now };
    if (update.sessionKey) set.sessionKey = update.sessionKey;
    if (update.unionId) Object.assign(set, { unionId: update.unionId, openPlatform: update.openPlatform });
    await this.models.Identity.updateOne({ _id: identityId }, { $set: set }).exec();
  }

  /** For each of `ids` that was merged away, the user it was merged into (one query). */
  async rootsOf(ids: readonly string[]): Promise<Map<string, string>> {
    const users = await this.models.User.find({ _id: { $in: ids }, mergedInto: { $exists: true } }, { mergedInto: 1 })
      .lean()
      .exec();
    return new Map(users.map((u) => [u._id, u.mergedInto!]));
  }

  /** Users that exist among `ids`, in one query. */
  async existingUserIds(ids: readonly string[]): Promise<Set<string>> {
    const users = await this.models.User.find({ _id: { $in: ids } }, { _id: 1 })
      .lean()
      .exec();
    return new Set(users.map((u) => u._id));
  }

  /** Every identity of each of `userIds`, in one query. */
  async identitiesOfUsers(userIds: readonly string[]): Promise<Map<string, IdentityDoc[]>> {
    return groupByUser(
      userIds,
      await this.models.Identity.find({ userId: { $in: userIds } })
        .lean<IdentityDoc[]>()
        .exec(),
    );
  }

  /** The disclosure log of each of `userIds`, in one query. */
  async disclosuresOfUsers(userIds: readonly string[]): Promise<Map<string, DisclosureDoc[]>> {
    return groupByUser(
      userIds,
      await this.models.Disclosure.find({ userId: { $in: userIds } })
        .lean<DisclosureDoc[]>()
        .exec(),
    );
  }

  insertRefreshToken(doc: Omit<RefreshTokenDoc, 'createdAt'>): Promise<unknown> {
    return this.models.RefreshToken.create(doc);
  }

  findRefreshToken(hash: string): Promise<RefreshTokenDoc | null> {
    return this.models.RefreshToken.findById(hash).lean<RefreshTokenDoc>().exec();
  }

  /** Marks an unused, unrevoked token used; null if it was already used or revoked (exactly one caller wins). */
  consumeRefreshToken(hash: string, now: Date): Promise<RefreshTokenDoc | null> {
    return this.models.RefreshToken.findOneAndUpdate(
      { _id: hash, usedAt: { $exists: false }, revokedAt: { $exists: false }, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
      { returnDocument: 'after' },
    )
      .lean<RefreshTokenDoc>()
      .exec();
  }

  /**
   * Ends a session family: first tells every gateway to refuse its access tokens (until the last of them
   * has expired), then revokes its refresh tokens. Repeating it is harmless.
   */
  async revokeFamily(familyId: string, now: Date): Promise<void> {
    await revokeFamilies(this.models, [familyId], now);
  }
}

/**
 * Ends session families (see `IdentityStore.revokeFamily`): the revocation feed first, so gateways refuse
 * their access tokens, then the refresh tokens. Privacy actions (unlink, erasure, operator revocation) use it too.
 */
export async function revokeFamilies(models: Pick<IdentityModels, 'RevokedSession' | 'RefreshToken'>, familyIds: string[], now: Date): Promise<void> {
  if (familyIds.length === 0) return;
  const expiresAt = new Date(now.getTime() + (ACCESS_TOKEN_TTL_SECONDS + REVOCATION_CLOCK_SKEW_SECONDS) * 1000);
  await models.RevokedSession.insertMany(familyIds.map((sessionId) => ({ sessionId, at: now, expiresAt })));
  await models.RefreshToken.updateMany({ familyId: { $in: familyIds }, revokedAt: { $exists: false } }, { $set: { revokedAt: now } }).exec();
}

/** The session families of a user's refresh tokens matching `filter` that are not revoked yet. */
export async function liveFamilies(models: Pick<IdentityModels, 'RefreshToken'>, filter: Record<string, unknown>): Promise<string[]> {
  return (await models.RefreshToken.distinct('familyId', { ...filter, revokedAt: { $exists: false } }).exec()) as string[];
}

/** Slack for clocks of the identity service and gateways that disagree about when a token expires. */
const REVOCATION_CLOCK_SKEW_SECONDS = 60;

/** `docs` by their user, with an empty list for each of `userIds` that has none. */
function groupByUser<T extends { userId: string }>(userIds: readonly string[], docs: T[]): Map<string, T[]> {
  const byUser = new Map<string, T[]>(userIds.map((id) => [id, []]));
  for (const doc of docs) byUser.get(doc.userId)?.push(doc);
  return byUser;
}

export type { LinkRoute };

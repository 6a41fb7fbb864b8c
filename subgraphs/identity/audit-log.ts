/**
 * The append-only audit trail of links, unlinks, merges, refusals, consent changes, exports, erasures and
 * operator actions. Events are only inserted; the one update is erasure turning a person's events into
 * tombstones without identifiers.
 */
import type { AuditEventDoc, IdentityModels } from '../../platform/identity-store/models.js';

export type AuditEntry = Omit<AuditEventDoc, '_id' | 'at'>;

export class AuditLog {
  constructor(
    private readonly models: Pick<IdentityModels, 'AuditEvent' | 'User'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    if (entry.key) {
      // Recorded once per key, even when a resumed merge records it again.
      await this.models.AuditEvent.updateOne({ key: entry.key }, { $setOnInsert: { ...entry, at: this.now() } }, { upsert: true }).exec();
      return;
    }
    await this.models.AuditEvent.create({ ...entry, at: this.now() });
  }

  /** Everything that concerns a user and the users merged into it, oldest first (for operators and privacy requests). */
  async forUser(userId: string): Promise<AuditEventDoc[]> {
    const merged = await this.models.User.find({ mergedInto: userId }, { _id: 1 }).lean<{ _id: string }[]>().exec();
    const ids = [userId, ...merged.map((u) => u._id)];
    return this.models.AuditEvent.find({ $or: [{ userId: { $in: ids } }, { otherUserId: { $in: ids } }] })
      .sort({ at: 1 })
      .lean<AuditEventDoc[]>()
      .exec();
  }
}

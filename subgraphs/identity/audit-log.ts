/** The append-only audit trail of links, merges, refusals and consent changes (inserts only, never updates). */
import type { AuditEventDoc, IdentityModels } from '../../platform/identity-store/models.js';

export type AuditEntry = Omit<AuditEventDoc, '_id' | 'at'>;

export class AuditLog {
  constructor(
    private readonly models: Pick<IdentityModels, 'AuditEvent'>,
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

  /** Everything that concerns a user, oldest first (for operators and privacy requests). */
  forUser(userId: string): Promise<AuditEventDoc[]> {
    return this.models.AuditEvent.find({ $or: [{ userId }, { otherUserId: userId }] })
      .sort({ at: 1 })
      .lean<AuditEventDoc[]>()
      .exec();
  }
}

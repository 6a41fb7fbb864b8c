/**
 * The disclosure log: when the platform first and last provided a person's OpenID to each merchant
 * (PIPL art. 23 and 45 ask what was provided to whom). Coarse on purpose: each gateway writes a
 * (user, merchant) pair at most once per `minIntervalMs`, from memory, in batches flushed off the request
 * path. Noting costs a map lookup; a failed flush is logged and the pairs are noted again next time.
 */
import type { AnyBulkWriteOperation } from 'mongoose';
import type { DisclosureDoc, IdentityModels } from '../platform/identity-store/models.js';
import type { Logger } from '../platform/logger.js';

/** What the subgraph data source calls when it injects an OpenID. */
export type DisclosureRecorder = (userId: string, merchantId: string) => void;

export interface DisclosureLogOptions {
  /** How often noted pairs are written. @default 5000 */
  flushMs?: number;
  /** A pair is written at most this often per gateway. @default 1 hour */
  minIntervalMs?: number;
  /** Pairs remembered as recently written; the oldest is forgotten beyond this. @default 100000 */
  maxRemembered?: number;
  now?: () => number;
}

export class DisclosureLog {
  private readonly written = new Map<string, number>();
  private pending = new Map<string, { userId: string; merchantId: string; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly models: Pick<IdentityModels, 'Disclosure' | 'User'>,
    private readonly logger: Logger,
    private readonly options: DisclosureLogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Notes that `merchantId` was given the user's OpenID now; bound to this log so it can be passed as a function. */
  readonly note: DisclosureRecorder = (userId, merchantId) => {
    const key = `${userId}\0${merchantId}`;
    const now = this.now();
    const last = this.written.get(key);
    if (last !== undefined && now - last < (this.options.minIntervalMs ?? 3600_000)) return;
    if (last === undefined && this.written.size >= (this.options.maxRemembered ?? 100_000)) this.written.delete(this.written.keys().next().value!);
    this.written.set(key, now);
    this.pending.set(key, { userId, merchantId, at: now });
  };

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? 5000);
    this.timer.unref();
  }

  /** Stops the timer and writes what is still pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Writes every pending pair in one bulk write (one flush at a time). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      // An account erased since its pairs were noted must not come back as a disclosure record.
      const existing = await this.existingUsers(batch.map((pair) => pair.userId));
      const kept = batch.filter((pair) => existing.has(pair.userId));
      if (kept.length === 0) return;
      const operations: AnyBulkWriteOperation<DisclosureDoc>[] = kept.map(({ userId, merchantId, at }) => ({
        updateOne: {
          filter: { _id: `${userId}:${merchantId}` },
          update: { $setOnInsert: { userId, merchantId, firstAt: new Date(at) }, $max: { lastAt: new Date(at) } },
          upsert: true,
        },
      }));
      await this.models.Disclosure.bulkWrite(operations, { ordered: false });
      // An erasure running between the check and the write deleted the log before this wrote to it: what
      // was written for a user gone by now is taken back (and the erasure deletes the log again after the
      // user, for a write landing after this second check).
      const written = kept.map((pair) => pair.userId);
      const remaining = await this.existingUsers(written);
      const gone = [...new Set(written.filter((id) => !remaining.has(id)))];
      if (gone.length > 0) await this.models.Disclosure.deleteMany({ userId: { $in: gone } }).exec();
    } catch (error) {
      // Forget them as written, so the next injection notes them again.
      for (const { userId, merchantId } of batch) this.written.delete(`${userId}\0${merchantId}`);
      this.logger.warn({ err: (error as Error).message, pairs: batch.length }, 'disclosure log not written; will retry');
    }
  }

  /** Which of these users still exist. */
  private async existingUsers(userIds: string[]): Promise<Set<string>> {
    const users = await this.models.User.find({ _id: { $in: [...new Set(userIds)] } }, { _id: 1 })
      .lean<{ _id: string }[]>()
      .exec();
    return new Set(users.map((user) => user._id));
  }
}

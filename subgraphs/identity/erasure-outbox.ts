/**
 * A durable outbox of erasure notices (PIPL art. 47: the deletion reaches whoever received the data).
 * A notice is written to MongoDB before the person's data is deleted; a worker POSTs it to the
 * merchant's `erasureWebhook`, signed with the merchant's subgraph secret, and retries with exponential
 * backoff until the merchant answers 2xx. State lives only in the collection, so a restart resumes where
 * the last process stopped; a lease keeps two workers from sending one notice at once, and the event id
 * lets the merchant drop a duplicate should a worker die between sending and recording.
 */
import { createHash } from 'node:crypto';
import { signErasureNotice, type ErasureNotice } from '@identity-federation-gateway/subgraph-kit';
import type { MerchantConfig } from '../../platform/config/platform-config.js';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { Headers } from '../../platform/headers.js';
import type { ErasureNoticeDoc, IdentityModels } from '../../platform/identity-store/models.js';
import type { Logger } from '../../platform/logger.js';

/** What a merchant receives (the kit owns the format and its signature). */
export type { ErasureNotice };

export interface ErasureOutboxOptions {
  platform: PlatformIndex;
  secretOf(envName: string): string | undefined;
  logger: Logger;
  /** How often the worker looks for due notices. @default 1000 */
  pollMs?: number;
  /** First retry delay; doubles per attempt. @default 2000 */
  baseBackoffMs?: number;
  /** @default 1 hour */
  maxBackoffMs?: number;
  /** @default 10000 */
  timeoutMs?: number;
  now?: () => Date;
}

/** One erasure's event id for one merchant: the same users and OpenIDs (in any order) give the same id, shaped as a UUID. */
export function erasureEventId(merchantId: string, openIds: readonly string[], userIds: readonly string[]): string {
  const hex = createHash('sha256')
    .update(`person.erased\n${merchantId}\n${[...userIds].sort().join(',')}\n${[...openIds].sort().join(',')}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** HMAC-SHA256 of the exact body with the merchant's subgraph secret, base64url: what a merchant checks. */
export const signNotice = signErasureNotice;

export class ErasureOutbox {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  private readonly now: () => Date;

  constructor(
    private readonly models: Pick<IdentityModels, 'ErasureNotice'>,
    private readonly options: ErasureOutboxOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Queues a notice for `merchant` naming the merchant's OpenIDs of the person erased as `userIds` (the
   * user and those merged into it); false when it has no webhook. The event id is derived from all three,
   * so an erasure run again after a crash part-way queues nothing new and the merchant never sees two
   * events for one erasure, while a person who came back (a new user id) and is erased again is a new event.
   */
  async enqueue(merchant: MerchantConfig, openIds: string[], userIds: readonly string[]): Promise<boolean> {
    if (!merchant.erasureWebhook) {
      this.options.logger.warn({ merchantId: merchant.id }, 'merchant has no erasureWebhook: it cannot be told of an erasure');
      return false;
    }
    const now = this.now();
    const notice: ErasureNotice = {
      eventId: erasureEventId(merchant.id, openIds, userIds),
      type: 'person.erased',
      merchantId: merchant.id,
      appId: merchant.appId,
      openIds,
      erasedAt: now.toISOString(),
    };
    await this.models.ErasureNotice.updateOne(
      { _id: notice.eventId },
      {
        $setOnInsert: {
          merchantId: merchant.id,
          url: merchant.erasureWebhook,
          body: JSON.stringify(notice),
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
        },
      },
      { upsert: true },
    ).exec();
    return true;
  }

  /** Notices not yet delivered. */
  pending(): Promise<number> {
    return this.models.ErasureNotice.countDocuments({ deliveredAt: { $exists: false } }).exec();
  }

  /** Starts the delivery loop. */
  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.deliverDue().finally(tick), this.options.pollMs ?? 1000);
      this.timer.unref();
    };
    tick();
  }

  /** Stops the loop and waits for a delivery in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sends every notice that is due now, one at a time; returns how many were delivered. */
  deliverDue(): Promise<number> {
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<number> {
    let delivered = 0;
    // Only what was due when the pass began: a notice that just failed waits for its backoff, however short.
    const dueBy = this.now();
    try {
      for (let notice = await this.claim(dueBy); notice && !this.stopped; notice = await this.claim(dueBy)) {
        if (await this.send(notice)) delivered++;
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'erasure outbox unreadable; retrying later');
    }
    return delivered;
  }

  /** Takes one notice due by `dueBy`, leased so that no other worker sends it meanwhile. */
  private claim(dueBy: Date): Promise<ErasureNoticeDoc | null> {
    const now = this.now();
    const leaseMs = (this.options.timeoutMs ?? 10_000) * 3;
    return this.models.ErasureNotice.findOneAndUpdate(
      { deliveredAt: { $exists: false }, nextAttemptAt: { $lte: dueBy }, $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lte: now } }] },
      { $set: { leaseUntil: new Date(now.getTime() + leaseMs) } },
      { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
    )
      .lean<ErasureNoticeDoc>()
      .exec();
  }

  private async send(notice: ErasureNoticeDoc): Promise<boolean> {
    const error = await this.post(notice);
    const attempts = notice.attempts + 1;
    if (error === undefined) {
      // Delivered: the body names the person's OpenIDs, so it goes; the event id and time remain as proof.
      await this.models.ErasureNotice.updateOne(
        { _id: notice._id },
        { $set: { deliveredAt: this.now(), attempts }, $unset: { body: 1, leaseUntil: 1, lastError: 1 } },
      ).exec();
      return true;
    }
    const delay = Math.min((this.options.baseBackoffMs ?? 2000) * 2 ** notice.attempts, this.options.maxBackoffMs ?? 3600_000);
    await this.models.ErasureNotice.updateOne(
      { _id: notice._id },
      { $set: { attempts, nextAttemptAt: new Date(this.now().getTime() + delay), lastError: error }, $unset: { leaseUntil: 1 } },
    ).exec();
    this.options.logger.warn({ eventId: notice._id, merchantId: notice.merchantId, attempts, error }, 'erasure notice not accepted; will retry');
    return false;
  }

  /** POSTs the notice; undefined when the merchant accepted it, else why not (never the body). */
  private async post(notice: ErasureNoticeDoc): Promise<string | undefined> {
    const merchant = this.options.platform.merchant(notice.merchantId);
    const secretEnv = merchant && this.options.platform.subgraph(merchant.subgraph)?.identitySecretEnv;
    const secret = secretEnv ? this.options.secretOf(secretEnv) : undefined;
    if (!secret || notice.body === undefined) return 'no signing secret for this merchant';
    try {
      const response = await fetch(notice.url, {
        method: 'POST',
        headers: { [Headers.contentType]: 'application/json', [Headers.eventId]: notice._id, [Headers.signature]: signNotice(secret, notice.body) },
        body: notice.body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable';
    }
  }
}

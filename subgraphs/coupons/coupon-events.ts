/**
 * The coupon event log: one document per stock change in `coupon_events`, so every coupons process hears
 * of every claim, whichever process made it. Each change carries the coupon's `version`, which the store
 * bumps in the same atomic update that changes the stock, so versions per coupon are gapless and tell
 * the order of changes even when two processes insert their events in the other order.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { ChangeStream, ChangeStreamInsertDocument } from 'mongodb';
import type { SubgraphLogger } from '@identity-federation-gateway/subgraph-kit';
import { isDuplicateKeyError } from '../../platform/identity-store/models.js';

/** One change of a coupon's stock, as the log stores it and the feed hands it on. */
export interface StockChange {
  couponId: string;
  /** The coupon's change count after this change: 1, 2, 3... per coupon, without gaps. */
  version: number;
  /** Units left after this change. */
  remaining: number;
  at: Date;
}

/** How long events are kept (a TTL index on `at`): far longer than any feed lags, short enough to stay small. */
export const EVENT_RETENTION_SECONDS = 3600;
/** Most events one read returns; a feed that gets this many reads again at once. */
export const EVENT_READ_LIMIT = 1000;

const EventSchema = new Schema<StockChange>(
  {
    couponId: { type: String, required: true },
    version: { type: Number, required: true },
    remaining: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'coupon_events', versionKey: false },
);
EventSchema.index({ couponId: 1, version: 1 }, { unique: true });
EventSchema.index({ at: 1 }, { expireAfterSeconds: EVENT_RETENTION_SECONDS });

/** A follower's position: the events of `couponId` after `version`. */
export interface LogCursor {
  couponId: string;
  version: number;
}

/** A change stream over new events; `close` ends it. */
export interface EventWatch {
  /** The next event, or null when none came within the server's wait (about a second). */
  next(): Promise<StockChange | null>;
  close(): Promise<void>;
}

export class CouponEventLog {
  private readonly Event: Model<StockChange>;
  private readonly appendedHere = new Set<(change: StockChange) => void>();

  constructor(
    connection: Connection,
    private readonly logger: SubgraphLogger,
  ) {
    this.Event = connection.model<StockChange>('CouponEvent', EventSchema);
  }

  init(): Promise<void> {
    return this.Event.createIndexes();
  }

  /**
   * Records a change, then tells this process's listeners at once (other processes read it from the log).
   * A failed write is logged, not thrown: the claim stands, and followers skip the missing version after
   * their gap timeout.
   */
  async append(change: StockChange): Promise<void> {
    try {
      await this.Event.create(change);
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        this.logger.error({ err: error, couponId: change.couponId, version: change.version }, 'could not record a coupon stock event');
        return;
      }
    }
    for (const listener of this.appendedHere) listener(change);
  }

  /** Calls `listener` with each change this process appends; returns the function that stops it. */
  onAppend(listener: (change: StockChange) => void): () => void {
    this.appendedHere.add(listener);
    return () => this.appendedHere.delete(listener);
  }

  /** The events after each cursor, by coupon then version, at most `limit` (one query). */
  since(cursors: readonly LogCursor[], limit = EVENT_READ_LIMIT): Promise<StockChange[]> {
    if (cursors.length === 0) return Promise.resolve([]);
    return this.Event.find(
      { $or: cursors.map((c) => ({ couponId: c.couponId, version: { $gt: c.version } })) },
      { _id: 0, couponId: 1, version: 1, remaining: 1, at: 1 },
    )
      .sort({ couponId: 1, version: 1 })
      .limit(limit)
      .lean<StockChange[]>()
      .exec();
  }

  /**
   * Opens a change stream over new events and waits for the server to accept it. Rejects when the
   * server has no change streams (a standalone server, or the embedded dev server): follow by polling.
   */
  async watch(): Promise<EventWatch> {
    // No $project: a pipeline that reshapes the event risks its _id, the resume token the driver resumes from.
    const stream: ChangeStream<StockChange, ChangeStreamInsertDocument<StockChange>> = this.Event.collection.watch([{ $match: { operationType: 'insert' } }]);
    const next = async (): Promise<StockChange | null> => {
      const change = await stream.tryNext();
      if (!change) return null;
      const { couponId, version, remaining, at } = change.fullDocument;
      return { couponId, version, remaining, at };
    };
    let first: StockChange | null;
    try {
      // The stream is opened lazily: the first read sends the aggregate, so the server's refusal comes here.
      first = await next();
    } catch (error) {
      await stream.close().catch(() => {});
      throw error;
    }
    return {
      next: async () => {
        if (first === null) return next();
        const change = first;
        first = null;
        return change;
      },
      close: () => stream.close(),
    };
  }
}

/**
 * One subscriber's `couponStock` stream, as graphql-js `subscribe` consumes it: the coupon as it is when
 * the subscription starts, then the coupon again after each change of its stock, in version order and
 * never an older version after a newer one.
 *
 * A hand-written iterator, not an async generator: graphql-js ends a subscription with `return()`, which
 * must remove the feed listener at once, also while the iterator waits for the next change (a generator
 * suspended in an `await` would finish only after that change arrived).
 */
import type { CouponFeed, Following } from './coupon-feed.js';
import type { StockChange } from './coupon-events.js';
import type { CouponDoc } from './coupon-store.js';

/**
 * Most coupons queued for a subscriber that does not keep up; past it the oldest are dropped (each one
 * carries the current `remaining`, so the newest is what matters).
 */
export const MAX_QUEUED_UPDATES = 100;

class StockUpdates implements AsyncIterableIterator<CouponDoc> {
  private following: Following | undefined;
  /** Changes that arrived before the subscriber's starting state was read. */
  private early: StockChange[] = [];
  private readonly queue: CouponDoc[] = [];
  private waiting: ((result: IteratorResult<CouponDoc>) => void) | undefined;
  private lastVersion = 0;
  private done = false;

  constructor(private readonly maxQueued: number) {}

  /** The subscriber's starting state: yielded first; changes up to its version are dropped. */
  start(following: Following): void {
    this.following = following;
    this.lastVersion = following.current.version ?? 0;
    this.push(following.current);
    for (const change of this.early) this.offer(change);
    this.early = [];
  }

  offer(change: StockChange): void {
    if (this.done) return;
    if (!this.following) {
      this.early.push(change);
      if (this.early.length > this.maxQueued) this.early.shift();
      return;
    }
    if (change.version <= this.lastVersion) return;
    this.lastVersion = change.version;
    this.push({ ...this.following.current, stock: change.remaining, version: change.version });
  }

  next(): Promise<IteratorResult<CouponDoc>> {
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<CouponDoc>> {
    this.done = true;
    this.following?.stop();
    this.queue.length = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  async throw(error?: unknown): Promise<IteratorResult<CouponDoc>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<CouponDoc> {
    return this;
  }

  private push(coupon: CouponDoc): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value: coupon, done: false });
      return;
    }
    this.queue.push(coupon);
    if (this.queue.length > this.maxQueued) this.queue.shift();
  }
}

/**
 * Subscribes to a coupon's stock through the feed; undefined when there is no such coupon. The iterator
 * ends (and stops listening) when its `return()` is called, as graphql-js does when the client leaves.
 */
export async function couponStockUpdates(
  feed: CouponFeed,
  couponId: string,
  maxQueued = MAX_QUEUED_UPDATES,
): Promise<AsyncIterableIterator<CouponDoc> | undefined> {
  const updates = new StockUpdates(maxQueued);
  const following = await feed.follow(couponId, (change) => updates.offer(change));
  if (!following) return undefined;
  updates.start(following);
  return updates;
}

/**
 * Follows the coupon event log for this process's subscribers. Each subscribed coupon's changes are handed
 * on once each, in version order: a version seen before the one it follows (two processes insert their
 * events concurrently, and neither ObjectIds nor arrival order say which change came first) is held until
 * the missing one arrives, or for at most `gapTimeoutMs`, after which the feed reads the log once more and
 * then skips the gap (every change carries the coupon's current `remaining`, so the next one catches up).
 *
 * The feed follows a change stream where the server has them (a replica set) and otherwise polls, only
 * while someone is subscribed and only for the subscribed coupons. Changes made in this process are
 * handed on at once, without waiting for either. A coupon's state goes when its last subscriber leaves.
 */
import type { SubgraphLogger } from '@identity-federation-gateway/subgraph-kit';
import type { CouponDoc } from './coupon-store.js';
import type { CouponEventLog, EventWatch, StockChange } from './coupon-events.js';
import { EVENT_READ_LIMIT } from './coupon-events.js';

export interface CouponFeedOptions {
  /**
   * How often the log is read when the server has no change streams: the delay, besides one store round
   * trip, before a claim made through another process reaches subscribers here. @default 100
   */
  pollIntervalMs?: number;
  /** How long a version is held waiting for the one before it, before the feed skips the gap. @default 1000 */
  gapTimeoutMs?: number;
  /** Most versions held per coupon while waiting; past it the gap is skipped at once. @default 1000 */
  maxHeldPerCoupon?: number;
  /** `off` always polls (tests); `auto` tries a change stream first. @default "auto" */
  changeStreams?: 'auto' | 'off';
}

/** What the feed reads a coupon's current state from (the coupon store). */
export type CurrentCoupon = (couponId: string) => Promise<CouponDoc | undefined>;

/** One subscriber's hold on a coupon's changes. */
export interface Following {
  /** The coupon as read after the subscriber was registered: every later change reaches it. */
  readonly current: CouponDoc;
  /** Stops the changes; the coupon's state goes with its last subscriber. Safe to call twice. */
  stop(): void;
}

/** How the feed hears of changes from other processes (decided once, at the first subscriber). */
type Source = { kind: 'undecided' } | { kind: 'deciding' } | { kind: 'stream'; watch: EventWatch } | { kind: 'poll' };

interface CouponState {
  /** The highest version handed on; undefined until the first subscriber's read says where to start. */
  delivered: number | undefined;
  /** Versions that arrived before the one they follow. */
  held: Map<number, StockChange>;
  gapTimer: NodeJS.Timeout | undefined;
  listeners: Set<(change: StockChange) => void>;
}

export const DEFAULT_POLL_INTERVAL_MS = 100;
export const DEFAULT_GAP_TIMEOUT_MS = 1000;

export class CouponFeed {
  private readonly coupons = new Map<string, CouponState>();
  private readonly pollIntervalMs: number;
  private readonly gapTimeoutMs: number;
  private readonly maxHeld: number;
  private source: Source;
  private pollTimer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private closed = false;
  private readonly stopLocal: () => void;

  constructor(
    private readonly log: CouponEventLog,
    private readonly currentCoupon: CurrentCoupon,
    private readonly logger: SubgraphLogger,
    options: CouponFeedOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.gapTimeoutMs = options.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS;
    this.maxHeld = options.maxHeldPerCoupon ?? 1000;
    this.source = options.changeStreams === 'off' ? { kind: 'poll' } : { kind: 'undecided' };
    this.stopLocal = log.onAppend((change) => this.accept(change));
  }

  /**
   * Registers `listener` for a coupon's changes, then reads the coupon: `current` is its state, and
   * `listener` gets the changes the feed hands on, in version order, each once. Changes up to
   * `current.version` may reach the listener too (it drops them). Undefined when there is no such coupon.
   */
  async follow(couponId: string, listener: (change: StockChange) => void): Promise<Following | undefined> {
    if (this.closed) throw new Error('the coupon feed is closed');
    let state = this.coupons.get(couponId);
    if (!state) {
      state = { delivered: undefined, held: new Map(), gapTimer: undefined, listeners: new Set() };
      this.coupons.set(couponId, state);
      this.startFollowing();
    }
    state.listeners.add(listener);
    const stop = () => this.unfollow(couponId, listener);
    let current: CouponDoc | undefined;
    try {
      current = await this.currentCoupon(couponId);
    } catch (error) {
      stop();
      throw error;
    }
    if (!current) {
      stop();
      return undefined;
    }
    if (state.delivered === undefined) {
      state.delivered = current.version ?? 0;
      for (const version of state.held.keys()) if (version <= state.delivered) state.held.delete(version);
      this.drain(couponId, state);
    }
    return { current, stop };
  }

  /** The coupons followed here, and their subscribers (for tests and metrics). */
  followed(): Map<string, number> {
    return new Map([...this.coupons].map(([id, state]) => [id, state.listeners.size]));
  }

  /** Stops following; subscribers get nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopLocal();
    clearTimeout(this.pollTimer);
    for (const state of this.coupons.values()) clearTimeout(state.gapTimer);
    this.coupons.clear();
    if (this.source.kind === 'stream') await this.source.watch.close().catch(() => {});
  }

  /** Reads the log once for every followed coupon (joins a read already running). */
  readNow(): Promise<void> {
    this.reading ??= this.readLog().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private unfollow(couponId: string, listener: (change: StockChange) => void): void {
    const state = this.coupons.get(couponId);
    if (!state?.listeners.delete(listener) || state.listeners.size > 0) return;
    clearTimeout(state.gapTimer);
    this.coupons.delete(couponId);
    if (this.coupons.size > 0) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** A change from the log, the stream or this process: hand it on in order, or hold it. */
  private accept(change: StockChange): void {
    const state = this.coupons.get(change.couponId);
    if (!state) return;
    if (state.delivered !== undefined && change.version <= state.delivered) return;
    state.held.set(change.version, change);
    if (state.delivered !== undefined) this.drain(change.couponId, state);
  }

  /** Hands on the held versions that follow the last one handed on; times the gap if some remain. */
  private drain(couponId: string, state: CouponState): void {
    for (let next = state.held.get(state.delivered! + 1); next; next = state.held.get(state.delivered! + 1)) {
      state.held.delete(next.version);
      state.delivered = next.version;
      this.emit(state, next);
    }
    if (state.held.size === 0) {
      clearTimeout(state.gapTimer);
      state.gapTimer = undefined;
    } else if (state.held.size > this.maxHeld) {
      this.skipGap(couponId, state);
    } else if (!state.gapTimer) {
      state.gapTimer = setTimeout(() => void this.gapTimedOut(couponId, state), this.gapTimeoutMs);
      state.gapTimer.unref();
    }
  }

  private async gapTimedOut(couponId: string, state: CouponState): Promise<void> {
    state.gapTimer = undefined;
    const stuckAt = state.delivered;
    // The missing version may be in the log after all (a stream that lost a change while it reconnected).
    await this.readNow();
    if (this.coupons.get(couponId) !== state || state.delivered !== stuckAt || state.held.size === 0) return;
    clearTimeout(state.gapTimer);
    state.gapTimer = undefined;
    this.skipGap(couponId, state);
  }

  private skipGap(couponId: string, state: CouponState): void {
    const first = Math.min(...state.held.keys());
    this.logger.warn({ couponId, from: state.delivered! + 1, to: first - 1 }, 'skipped coupon stock versions that never arrived');
    state.delivered = first - 1;
    this.drain(couponId, state);
  }

  private emit(state: CouponState, change: StockChange): void {
    for (const listener of state.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error, couponId: change.couponId }, 'a coupon stock subscriber failed');
      }
    }
  }

  /** A coupon gained its first subscriber: make sure something brings other processes' changes. */
  private startFollowing(): void {
    if (this.source.kind === 'undecided') void this.openStream();
    else if (this.source.kind === 'poll') this.schedulePoll();
  }

  private async openStream(): Promise<void> {
    this.source = { kind: 'deciding' };
    let watch: EventWatch;
    try {
      watch = await this.log.watch();
    } catch (error) {
      this.logger.info({ reason: error instanceof Error ? error.message : String(error) }, 'no change streams on this MongoDB: polling for coupon events');
      this.source = { kind: 'poll' };
      if (!this.closed) this.schedulePoll();
      return;
    }
    if (this.closed) return void (await watch.close().catch(() => {}));
    this.source = { kind: 'stream', watch };
    // Changes made while the stream was opening: read them from the log once.
    await this.readNow();
    void this.followStream(watch);
  }

  private async followStream(watch: EventWatch): Promise<void> {
    try {
      while (!this.closed) {
        const change = await watch.next();
        if (change) this.accept(change);
      }
    } catch (error) {
      if (this.closed) return;
      // The driver resumes a stream across elections by itself: what reaches here will not resume.
      this.logger.warn({ err: error }, 'the coupon event stream failed: polling from now on');
      await watch.close().catch(() => {});
      this.source = { kind: 'poll' };
      this.schedulePoll();
    }
  }

  private schedulePoll(): void {
    if (this.closed || this.pollTimer || this.coupons.size === 0) return;
    const tick = () => {
      this.pollTimer = undefined;
      if (this.closed || this.coupons.size === 0) return;
      void this.readNow().finally(() => this.schedulePoll());
    };
    this.pollTimer = setTimeout(tick, this.pollIntervalMs);
    this.pollTimer.unref();
  }

  private async readLog(): Promise<void> {
    // Bounded: a coupon draining faster than EVENT_READ_LIMIT events per read catches up over a few reads.
    for (let round = 0; round < 10; round++) {
      const cursors = [...this.coupons]
        .filter(([, state]) => state.delivered !== undefined)
        .map(([couponId, state]) => ({ couponId, version: state.delivered! }));
      let changes: StockChange[];
      try {
        changes = await this.log.since(cursors);
      } catch (error) {
        this.logger.warn({ err: error }, 'could not read coupon events; trying again');
        return;
      }
      for (const change of changes) this.accept(change);
      if (changes.length < EVENT_READ_LIMIT) return;
    }
  }
}

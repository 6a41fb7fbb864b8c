/**
 * ACME's coupon stock feed across processes: two coupons "processes" (each its own mongoose connection,
 * event log, store and feed) on one database. Every stock change gets a gapless per-coupon version with
 * the change itself; subscribers in either process get every version once, in order, whichever process
 * made the change; a version that arrives early is held; state goes with the last subscriber.
 */
import mongoose, { type Connection } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CouponEventLog, type EventWatch, type StockChange } from '../../subgraphs/coupons/coupon-events.js';
import { CouponFeed, type CouponFeedOptions } from '../../subgraphs/coupons/coupon-feed.js';
import { CouponStore, type CouponDoc } from '../../subgraphs/coupons/coupon-store.js';
import { couponStockUpdates } from '../../subgraphs/coupons/stock-updates.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';
import { captureLogs, eventually, type CapturedLogs } from './coupon-test-support.js';

/** One coupons process as far as the feed is concerned. */
interface CouponsProcess {
  connection: Connection;
  log: CouponEventLog;
  store: CouponStore;
  feed: CouponFeed;
  logs: CapturedLogs;
}

let mongo: TestMongo;
let uri: string;
const processes: CouponsProcess[] = [];

async function startProcess(options: CouponFeedOptions = {}): Promise<CouponsProcess> {
  const connection = await mongoose.createConnection(uri).asPromise();
  const logs = captureLogs();
  const log = new CouponEventLog(connection, logs.logger);
  const store = new CouponStore(connection, log);
  await store.init();
  const feed = new CouponFeed(log, async (id) => (await store.couponsByIds([id])).get(id), logs.logger, { pollIntervalMs: 20, ...options });
  const started = { connection, log, store, feed, logs };
  processes.push(started);
  return started;
}

async function seed(store: CouponStore, coupon: CouponDoc): Promise<void> {
  await store.init([coupon]);
}

beforeAll(async () => {
  mongo = await startTestMongo();
  uri = mongo.uri('coupon_events');
});
afterEach(async () => {
  for (const process of processes.splice(0)) {
    await process.feed.close();
    await process.connection.close();
  }
});
afterAll(() => mongo.close());

/** Collects what a subscriber gets, as `couponStockUpdates` yields it. */
async function subscriber(feed: CouponFeed, couponId: string) {
  const updates = (await couponStockUpdates(feed, couponId))!;
  const seen: { version: number; remaining: number }[] = [];
  const reading = (async () => {
    for await (const coupon of updates) seen.push({ version: coupon.version ?? 0, remaining: coupon.stock });
  })();
  return { seen, stop: async () => (await updates.return!(), await reading) };
}

describe('coupon stock events across processes', () => {
  it('gives every subscriber in both processes every version once, in order, while both processes claim at once', async () => {
    const a = await startProcess();
    const b = await startProcess();
    await seed(a.store, { _id: 'live', title: 'Live room', discountCents: 100, stock: 100 });
    const subscribers = [
      await subscriber(a.feed, 'live'),
      await subscriber(a.feed, 'live'),
      await subscriber(b.feed, 'live'),
      await subscriber(b.feed, 'live'),
    ];

    // 30 people on each process, and 5 who claim through both at once (one of each pair gives its unit back).
    const claims = [
      ...Array.from({ length: 30 }, (_, i) => a.store.claim('live', `a-${i}`, new Date())),
      ...Array.from({ length: 30 }, (_, i) => b.store.claim('live', `b-${i}`, new Date())),
      ...Array.from({ length: 5 }, (_, i) => [a.store.claim('live', `both-${i}`, new Date()), b.store.claim('live', `both-${i}`, new Date())]).flat(),
    ];
    const outcomes = await Promise.all(claims);
    expect(outcomes.filter((o) => o.kind === 'claimed')).toHaveLength(65);
    const coupon = (await a.store.couponsByIds(['live'])).get('live')!;
    expect(coupon.stock).toBe(35);
    // One version per stock change: 65 units taken for good, and each pair's loser that took one gave it back.
    const lastVersion = coupon.version!;
    const givenBack = (lastVersion - 65) / 2;
    expect(Number.isInteger(givenBack) && givenBack >= 0 && givenBack <= 5).toBe(true);

    await eventually(() => subscribers.every((s) => s.seen.at(-1)?.version === lastVersion));
    for (const s of subscribers) {
      expect(s.seen[0]).toEqual({ version: 0, remaining: 100 });
      expect(s.seen.map((e) => e.version)).toEqual(Array.from({ length: lastVersion + 1 }, (_, v) => v));
      expect(s.seen.at(-1)!.remaining).toBe(35);
    }
    // Stock goes down by one per claim and up by one per unit given back.
    const steps = subscribers[0]!.seen.slice(1).map((e, i) => e.remaining - subscribers[0]!.seen[i]!.remaining);
    expect(steps.every((step) => step === -1 || step === 1)).toBe(true);
    expect(steps.filter((step) => step === 1)).toHaveLength(givenBack);
    for (const s of subscribers) await s.stop();
  });

  it('holds a version that arrives before the one it follows, then hands both on in order', async () => {
    const a = await startProcess({ gapTimeoutMs: 10_000 });
    const b = await startProcess();
    await seed(a.store, { _id: 'held', title: 'Held', discountCents: 100, stock: 10 });
    const got: number[] = [];
    const following = (await a.feed.follow('held', (change) => got.push(change.version)))!;

    // Another process wrote version 2's event before version 1's (as two concurrent claims can).
    await b.log.append({ couponId: 'held', version: 2, remaining: 8, at: new Date() });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(got).toEqual([]);
    await b.log.append({ couponId: 'held', version: 1, remaining: 9, at: new Date() });
    await eventually(() => got.length === 2);
    expect(got).toEqual([1, 2]);
    following.stop();
  });

  it('skips a version that never arrives once the gap timeout passes, and says so in the log', async () => {
    const a = await startProcess({ gapTimeoutMs: 100 });
    await seed(a.store, { _id: 'lost', title: 'Lost', discountCents: 100, stock: 10 });
    const got: StockChange[] = [];
    const following = (await a.feed.follow('lost', (change) => got.push(change)))!;
    await a.log.append({ couponId: 'lost', version: 2, remaining: 8, at: new Date() });
    expect(got).toEqual([]);
    await eventually(() => got.length === 1);
    expect(got[0]).toMatchObject({ version: 2, remaining: 8 });
    expect(a.logs.messages()).toContain('skipped coupon stock versions that never arrived');
    // A late version 1 is not handed on after 2.
    await a.log.append({ couponId: 'lost', version: 1, remaining: 9, at: new Date() });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(got.map((c) => c.version)).toEqual([2]);
    following.stop();
  });

  it('hands a change made in this process on at once, without waiting for a poll', async () => {
    const a = await startProcess({ pollIntervalMs: 60_000 });
    await seed(a.store, { _id: 'local', title: 'Local', discountCents: 100, stock: 10 });
    const got: number[] = [];
    const following = (await a.feed.follow('local', (change) => got.push(change.remaining)))!;
    await a.store.claim('local', 'someone', new Date());
    expect(got).toEqual([9]);
    following.stop();
  });

  it('reads the log only while someone is subscribed, and only for the subscribed coupons', async () => {
    const a = await startProcess();
    await seed(a.store, { _id: 'watched', title: 'Watched', discountCents: 100, stock: 10 });
    await seed(a.store, { _id: 'ignored', title: 'Ignored', discountCents: 100, stock: 10 });
    const since = vi.spyOn(a.log, 'since');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(since).not.toHaveBeenCalled();

    const first = await subscriber(a.feed, 'watched');
    const second = await subscriber(a.feed, 'watched');
    expect(a.feed.followed()).toEqual(new Map([['watched', 2]]));
    await eventually(() => since.mock.calls.length >= 2);
    expect(since.mock.calls.every(([cursors]) => cursors.length === 1 && cursors[0]!.couponId === 'watched')).toBe(true);

    await first.stop();
    expect(a.feed.followed()).toEqual(new Map([['watched', 1]]));
    await second.stop();
    expect(a.feed.followed()).toEqual(new Map());
    await new Promise((resolve) => setTimeout(resolve, 50)); // a read already running may finish
    const reads = since.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(since.mock.calls.length).toBe(reads);
  });

  it('ends a subscription that the client leaves while it waits for the next change', async () => {
    const a = await startProcess();
    await seed(a.store, { _id: 'leave', title: 'Leave', discountCents: 100, stock: 10 });
    const updates = (await couponStockUpdates(a.feed, 'leave'))!;
    expect((await updates.next()).value).toMatchObject({ _id: 'leave', stock: 10 });
    const waiting = updates.next();
    await updates.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(a.feed.followed().size).toBe(0);
    await a.store.claim('leave', 'someone', new Date());
    expect(await updates.next()).toEqual({ value: undefined, done: true });
  });

  it('answers undefined for a coupon that does not exist, keeping no state for it', async () => {
    const a = await startProcess();
    expect(await couponStockUpdates(a.feed, 'no-such-coupon')).toBeUndefined();
    expect(a.feed.followed().size).toBe(0);
  });

  it('falls back to polling on a server without change streams, and logs that once', async ({ skip }) => {
    if (!mongo.embedded) skip('MONGODB_URI may point at a replica set, which has change streams');
    const a = await startProcess({ changeStreams: 'auto' });
    const b = await startProcess({ changeStreams: 'off' });
    await seed(a.store, { _id: 'stream-a', title: 'A', discountCents: 100, stock: 10 });
    await seed(a.store, { _id: 'stream-b', title: 'B', discountCents: 100, stock: 10 });
    const one = await subscriber(a.feed, 'stream-a');
    const two = await subscriber(a.feed, 'stream-b');
    await b.store.claim('stream-a', 'x', new Date());
    await b.store.claim('stream-b', 'x', new Date());
    await eventually(() => one.seen.length === 2 && two.seen.length === 2);
    expect(a.logs.messages().filter((m) => m === 'no change streams on this MongoDB: polling for coupon events')).toHaveLength(1);
    await one.stop();
    await two.stop();
  });

  it('follows a change stream where the server has one, without polling, and polls once the stream fails', async () => {
    const a = await startProcess({ changeStreams: 'auto' });
    const b = await startProcess({ changeStreams: 'off' });
    await seed(a.store, { _id: 'streamed', title: 'Streamed', discountCents: 100, stock: 10 });
    // A replica set's stream, played by the test: the embedded server has none.
    const stream = scriptedStream();
    vi.spyOn(a.log, 'watch').mockResolvedValue(stream.watch);
    const since = vi.spyOn(a.log, 'since');
    const got: number[] = [];
    const following = (await a.feed.follow('streamed', (change) => got.push(change.version)))!;
    await eventually(() => since.mock.calls.length === 1); // the read after opening: what came while it opened

    stream.push({ couponId: 'streamed', version: 2, remaining: 8, at: new Date() });
    stream.push({ couponId: 'streamed', version: 1, remaining: 9, at: new Date() });
    stream.push({ couponId: 'elsewhere', version: 1, remaining: 0, at: new Date() });
    await eventually(() => got.length === 2);
    expect(got).toEqual([1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(since).toHaveBeenCalledTimes(1);

    stream.fail(new Error('stream lost'));
    await eventually(() => a.logs.messages().includes('the coupon event stream failed: polling from now on'));
    expect(stream.closed()).toBe(true);
    await b.log.append({ couponId: 'streamed', version: 3, remaining: 7, at: new Date() });
    await eventually(() => got.length === 3);
    expect(got).toEqual([1, 2, 3]);
    following.stop();
  });
});

/** An EventWatch the test feeds by hand: `next` waits up to 50 ms for a change, as a server's getMore waits. */
function scriptedStream() {
  const queue: StockChange[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let closed = false;
  const watch: EventWatch = {
    next: async () => {
      if (queue.length === 0 && !failure && !closed) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 50)));
      if (failure) throw failure;
      return queue.shift() ?? null;
    },
    close: async () => {
      closed = true;
      wake?.();
    },
  };
  return {
    watch,
    push: (change: StockChange) => (queue.push(change), wake?.()),
    fail: (error: Error) => ((failure = error), wake?.()),
    closed: () => closed,
  };
}

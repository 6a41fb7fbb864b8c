/**
 * Part 1 of the live room (and part 3, on Hive Gateway): thousands of anonymous sockets subscribed to one
 * coupon on one gateway while logged-in viewers claim it on a fixed schedule through our gateway. Measures
 * whether every socket got every event, delivery latency from the claim's send to each socket's receipt,
 * the gateway's CPU over the window and its resident memory per idle subscribed socket.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Target } from '../gateways.js';
import { cpuSplit, memoryMiB } from '../proc-stats.js';
import { claim, claimOnSchedule, overlapping } from './claims.js';
import { readGateway } from './gateway-series.js';
import type { SocketLoad } from './socket-load-client.js';
import type { LoadReport } from './socket-load-protocol.js';
import { ascending, percentile } from './stats.js';
import { COUPON_ID } from './system.js';

export const ANONYMOUS_STOCK = `subscription LiveRoom($couponId: ID!) { couponStock(couponId: $couponId) { id remaining } }`;

export interface AnonymousRoomOptions {
  /** Where the sockets subscribe. */
  target: Target;
  /** Our gateway: where the claims go (Hive cannot sign the claimer's identity). */
  claimUrl: string;
  /** One for a warm-up claim, then one per claim of the window. */
  tokens: string[];
  sockets: number;
  intervalMs: number;
  /** What else uses the 2 cores, whose CPU over the window is reported (the coupons subgraph, the load generator, the driver). */
  others: { name: string; cpuSeconds(): number }[];
  load: SocketLoad;
  stock(): Promise<number>;
}

export interface AnonymousRoomResult {
  target: string;
  sockets: number;
  subscribed: number;
  connectFailures: string[];
  connectSeconds: number;
  claims: number;
  claimsFailed: number;
  firstClaimError: string | undefined;
  /** Claims answered after the next was sent (their events may swap order: latency is then overstated by up to one interval). */
  claimsOverlapping: number;
  claimAnsweredMs: { p50: number; p99: number };
  received: LoadReport;
  /** Whether every subscribed socket had every event before the wait ended. */
  complete: boolean;
  windowSeconds: number;
  cpuSeconds: number;
  /** Of `cpuSeconds`, the kernel's (socket writes). */
  systemCpuSeconds: number;
  othersCpuSeconds: Record<string, number>;
  rssBeforeMiB: number;
  rssIdleMiB: number;
  /** (RSS with the sockets subscribed and idle − RSS before) / sockets. */
  kbPerSocket: number;
  /** The same from V8's used heap (ours only: from /metrics). */
  heapKbPerSocket: number | undefined;
  /** Our gateway only: upstream subscriptions while the room ran, events dropped. */
  upstream: number | undefined;
  dropped: number | undefined;
}

/**
 * RSS of `pid` (MiB) once it has settled: sampled every second until five samples in a row lie within 2 MiB
 * (the collector done with what came before), or for 30 s; the median of the last five.
 */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    samples.push(memoryMiB(pid).rss);
    const last = samples.slice(-5);
    if (last.length === 5 && Math.max(...last) - Math.min(...last) <= 2) break;
    await sleep(1000);
  }
  return percentile(ascending(samples.slice(-5)), 0.5);
}

/** The lowest used heap (MiB) in `count` readings 0.5 s apart: the live data, whatever garbage awaits collection. */
async function liveHeap(url: string, count: number): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < count; i++) {
    lowest = Math.min(lowest, (await readGateway(url)).heapUsedBytes / 2 ** 20);
    await sleep(500);
  }
  return lowest;
}

export async function anonymousRoom(options: AnonymousRoomOptions): Promise<AnonymousRoomResult> {
  const { target, load } = options;
  const pid = target.process!.child.pid!;
  const ours = target.name.startsWith('ours-');
  const subscribe = { query: ANONYMOUS_STOCK, variables: { couponId: COUPON_ID } };
  const [warmUpToken, ...claimTokens] = options.tokens;

  // Warm-up: one socket, one claim, one event, so one-time costs (planning, code paths compiled) fall before "before".
  const warm = await load.open({ url: target.url, inits: [{}], subscribe, base: await options.stock(), maxEvents: 1, concurrency: 1, timeoutMs: 30_000 });
  if (warm.ready !== 1) throw new Error(`${target.name}: the warm-up socket did not subscribe: ${warm.failures.join('; ')}`);
  await claim(options.claimUrl, warmUpToken!, COUPON_ID);
  await load.await({ events: 1, timeoutMs: 10_000 });
  await load.close();
  await sleep(3000);
  const rssBeforeMiB = await settledRss(pid);
  const heapBefore = ours ? await liveHeap(target.url, 6) : undefined;

  console.log(`  ${target.name}: opening ${options.sockets} anonymous sockets...`);
  const opened = await load.open({
    url: target.url,
    inits: Array.from({ length: options.sockets }, () => ({})),
    subscribe,
    base: await options.stock(),
    maxEvents: claimTokens.length,
    concurrency: 100,
    timeoutMs: 300_000,
  });
  console.log(`  ${target.name}: ${opened.ready} sockets subscribed in ${opened.seconds.toFixed(1)} s (${opened.failed} failed)`);
  // Idle: the sockets hold their subscriptions and nothing happens; V8 gets time to collect the start-up garbage.
  await sleep(5000);
  const rssIdleMiB = await settledRss(pid);
  const heapIdle = ours ? await liveHeap(target.url, 10) : undefined;
  const upstream = ours ? (await readGateway(target.url)).upstream : undefined;
  const droppedBefore = ours ? (await readGateway(target.url)).dropped : 0;

  const cpuBefore = cpuSplit(pid);
  const othersBefore = options.others.map((p) => p.cpuSeconds());
  const windowStart = Date.now();
  console.log(`  ${target.name}: claiming every ${options.intervalMs} ms, ${claimTokens.length} claims...`);
  const claims = await claimOnSchedule(options.claimUrl, claimTokens, COUPON_ID, options.intervalMs);
  const succeeded = claims.filter((c) => c.error === undefined);
  const awaited = await load.await({ events: succeeded.length, timeoutMs: 30_000 });
  const windowSeconds = (Date.now() - windowStart) / 1000;
  const cpuAfter = cpuSplit(pid);
  const othersCpuSeconds = Object.fromEntries(options.others.map((p, i) => [p.name, p.cpuSeconds() - othersBefore[i]!]));
  const dropped = ours ? (await readGateway(target.url)).dropped - droppedBefore : undefined;
  // A failed claim took no unit, so the k-th event answers the k-th claim that succeeded.
  const received = await load.report(succeeded.map((c) => c.sentAt));
  await load.close();

  const answered = ascending(succeeded.map((c) => c.answeredAt - c.sentAt));
  const perSocket = (fromMiB: number, toMiB: number) => ((toMiB - fromMiB) * 1024) / Math.max(1, opened.ready);
  return {
    target: target.name,
    sockets: options.sockets,
    subscribed: opened.ready,
    connectFailures: opened.failures,
    connectSeconds: opened.seconds,
    claims: claims.length,
    claimsFailed: claims.length - succeeded.length,
    firstClaimError: claims.find((c) => c.error)?.error,
    claimsOverlapping: overlapping(claims),
    claimAnsweredMs: { p50: percentile(answered, 0.5), p99: percentile(answered, 0.99) },
    received,
    complete: awaited.complete,
    windowSeconds,
    cpuSeconds: cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system,
    systemCpuSeconds: cpuAfter.system - cpuBefore.system,
    othersCpuSeconds,
    rssBeforeMiB,
    rssIdleMiB,
    kbPerSocket: perSocket(rssBeforeMiB, rssIdleMiB),
    heapKbPerSocket: heapBefore !== undefined && heapIdle !== undefined ? perSocket(heapBefore, heapIdle) : undefined,
    upstream,
    dropped,
  };
}

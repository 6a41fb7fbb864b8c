/**
 * Part 2 of the live room: logged-in sockets selecting `claimedByMe`, so no two share anything (each has its
 * own upstream subscription, signed with its own ACME OpenID, and its own executions). Some of the viewers
 * claimed the coupon before subscribing: their sockets must say true, every other socket false, on every
 * event. Claims by other viewers then come one at a time; each is timed from its send until the last
 * socket has its event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Target } from '../gateways.js';
import { cpuSeconds } from '../proc-stats.js';
import { claim, type ClaimRecord } from './claims.js';
import { readGateway, type GatewayReading } from './gateway-series.js';
import type { SocketLoad } from './socket-load-client.js';
import type { LoadReport } from './socket-load-protocol.js';
import { ascending, percentile } from './stats.js';
import { COUPON_ID } from './system.js';

export const LOGGED_IN_STOCK = `subscription LiveRoomViewer($couponId: ID!) { couponStock(couponId: $couponId) { id remaining claimedByMe } }`;

export interface LoggedInRoomOptions {
  gateway: Target;
  /** One per socket; the first `claimedFirst` of them claim before subscribing. */
  subscriberTokens: string[];
  claimedFirst: number;
  /** One per timed event: viewers who are not subscribed. */
  claimerTokens: string[];
  coupons: { pid: number };
  load: SocketLoad;
  stock(): Promise<number>;
}

export interface LoggedInRoomResult {
  sockets: number;
  subscribed: number;
  connectFailures: string[];
  connectSeconds: number;
  /** Sockets whose first event said `claimedByMe: true` (should be `claimedFirst`). */
  claimedTrue: number;
  claimedFirst: number;
  events: number;
  claimsFailed: number;
  firstClaimError: string | undefined;
  received: LoadReport;
  /** Per event: claim sent → the last socket's receipt (ms; undefined where a socket missed it). */
  timeToAllMs: (number | undefined)[];
  /** Gateway counters while the sockets were subscribed, and their change over the timed events. */
  during: GatewayReading;
  fetchesToCouponsPerEvent: number;
  deliveredPerEvent: number;
  gatewayCpuMsPerEvent: number;
  couponsCpuMsPerEvent: number;
}

/** Pause between timed events, so each is measured on a quiet system. */
const BETWEEN_EVENTS_MS = 500;

export async function loggedInRoom(options: LoggedInRoomOptions): Promise<LoggedInRoomResult> {
  const { gateway, load, subscriberTokens, claimedFirst } = options;
  for (const token of subscriberTokens.slice(0, claimedFirst)) {
    const first = await claim(gateway.url, token, COUPON_ID);
    if (first.error) throw new Error(`a subscriber's claim before subscribing failed: ${first.error}`);
  }
  console.log(`  ours-injection: opening ${subscriberTokens.length} logged-in sockets (${claimedFirst} of them claimed first)...`);
  const opened = await load.open({
    url: gateway.url,
    inits: subscriberTokens.map((token) => ({ authorization: `Bearer ${token}` })),
    subscribe: { query: LOGGED_IN_STOCK, variables: { couponId: COUPON_ID } },
    base: await options.stock(),
    maxEvents: options.claimerTokens.length,
    claimedByMe: subscriberTokens.map((_, i) => i < claimedFirst),
    concurrency: 50,
    timeoutMs: 180_000,
  });
  console.log(`  ours-injection: ${opened.ready} logged-in sockets subscribed in ${opened.seconds.toFixed(1)} s (${opened.failed} failed)`);
  await sleep(2000);

  const pid = gateway.process!.child.pid!;
  const before = await readGateway(gateway.url);
  // CPU is summed over each event's own window (claim sent → every socket has it), not the pauses between.
  const cpu = { gateway: 0, coupons: 0 };
  const claims: ClaimRecord[] = [];
  let events = 0;
  for (const token of options.claimerTokens) {
    const cpuBefore = [cpuSeconds(pid), cpuSeconds(options.coupons.pid)];
    const record = await claim(gateway.url, token, COUPON_ID);
    claims.push(record);
    if (record.error) continue;
    events++;
    // Bounded: the next claim goes when every socket has this event, or after 15 s.
    await load.await({ events, timeoutMs: 15_000 });
    cpu.gateway += cpuSeconds(pid) - cpuBefore[0]!;
    cpu.coupons += cpuSeconds(options.coupons.pid) - cpuBefore[1]!;
    await sleep(BETWEEN_EVENTS_MS);
  }
  const after = await readGateway(gateway.url);
  const received = await load.report(claims.filter((c) => !c.error).map((c) => c.sentAt));
  await load.close();

  const perEvent = (x: number) => x / Math.max(1, events);
  return {
    sockets: subscriberTokens.length,
    subscribed: opened.ready,
    connectFailures: opened.failures,
    connectSeconds: opened.seconds,
    claimedTrue: opened.claimedTrue,
    claimedFirst,
    events,
    claimsFailed: claims.length - events,
    firstClaimError: claims.find((c) => c.error)?.error,
    received,
    timeToAllMs: received.timeToAllMs,
    during: after,
    // Each claim is itself one fetch to the coupons subgraph (claimCoupon); what is left came from the events.
    fetchesToCouponsPerEvent: perEvent(after.couponsFetches - before.couponsFetches - claims.length),
    deliveredPerEvent: perEvent(after.delivered - before.delivered),
    gatewayCpuMsPerEvent: perEvent(cpu.gateway * 1000),
    couponsCpuMsPerEvent: perEvent(cpu.coupons * 1000),
  };
}

/** The median and largest of the events' times to reach every socket. */
export function timeToAllSummary(times: (number | undefined)[]): { median: number; max: number; complete: number } {
  const complete = ascending(times.filter((t): t is number => t !== undefined));
  return { median: percentile(complete, 0.5), max: complete.at(-1) ?? 0, complete: complete.length };
}

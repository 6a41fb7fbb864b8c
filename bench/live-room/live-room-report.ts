/** The live room's figures as the report prints them, and its targets (reported, never asserted). */
import type { GoalResult } from '../goals.js';
import type { AnonymousRoomResult } from './anonymous-room.js';
import type { LiveRoomResult } from './live-room.js';
import { timeToAllSummary } from './logged-in-room.js';

/** Per idle subscribed socket, the issue's bound. */
const KB_PER_SOCKET_TARGET = 40;
const P99_TARGET_MS = 500;

const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

/** Whether every subscribed socket got every event, and what else the receipts say. */
function deliveryLine(room: AnonymousRoomResult): string {
  const r = room.received;
  const every = r.socketsMissing === 0 && room.subscribed === room.sockets && r.expectedPerSocket === room.claims - room.claimsFailed;
  const groups = r.missing.slice(0, 3);
  const missed = groups.map((m) => `${m.sockets} missed ${m.missed} from claim ${m.firstMissedClaim}, e.g. socket ${m.example}`).join('; ');
  return (
    `every event to every socket: ${every ? 'yes' : 'NO'} (${r.sockets} sockets subscribed of ${room.sockets} × ${r.expectedPerSocket} events; ` +
    `${r.socketsMissing} sockets missed some${missed ? ` [${missed}${r.missing.length > groups.length ? '; ...' : ''}]` : ''}; ` +
    `${r.duplicates} duplicates, ${r.outOfOrder} out of order, ${r.unexpected} unexplained, ${r.errors} with errors${r.firstError ? ` (first: ${r.firstError})` : ''}; ` +
    `${r.closedEarly} sockets closed by the server${r.closeCodes.length ? ` (codes ${[...new Set(r.closeCodes)].join(', ')})` : ''})`
  );
}

function anonymousLines(title: string, room: AnonymousRoomResult): string[] {
  const r = room.received;
  const events = room.claims - room.claimsFailed;
  const others = Object.entries(room.othersCpuSeconds)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(', ');
  return [
    `${title}: ${room.sockets} anonymous sockets on one coupon, ${room.claims} claims on schedule (${room.claimsFailed} failed${room.firstClaimError ? `: ${room.firstClaimError}` : ''}; ${room.claimsOverlapping} answered after the next was sent)`,
    `  ${deliveryLine(room)}`,
    `  delivery latency, claim sent → socket received: p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)}, max ${ms(r.latencyMs.max)} over ${r.latencyMs.count} receipts ` +
      `(the claim itself answered in p50 ${ms(room.claimAnsweredMs.p50)}, p99 ${ms(room.claimAnsweredMs.p99)})`,
    `  gateway CPU over the window: ${room.cpuSeconds.toFixed(1)} s (${room.systemCpuSeconds.toFixed(1)} s of it in the kernel) in ${room.windowSeconds.toFixed(1)} s ` +
      `(${((room.cpuSeconds / room.windowSeconds) * 100).toFixed(0)}% of one core; ` +
      `${((room.cpuSeconds * 1000) / Math.max(1, events)).toFixed(1)} ms per event, ${((room.cpuSeconds * 1e6) / Math.max(1, events * room.subscribed)).toFixed(1)} µs per socket delivery)`,
    `  memory: RSS ${room.rssBeforeMiB.toFixed(0)} MiB before the sockets, ${room.rssIdleMiB.toFixed(0)} MiB with them subscribed and idle: ${room.kbPerSocket.toFixed(1)} KB per idle subscribed socket` +
      (room.heapKbPerSocket !== undefined ? ` (of which V8's live heap ${room.heapKbPerSocket.toFixed(1)} KB)` : ''),
    `  sockets subscribed in ${room.connectSeconds.toFixed(1)} s` +
      (room.connectFailures.length ? ` (failures: ${room.connectFailures.slice(0, 3).join('; ')})` : '') +
      (room.upstream !== undefined ? `; upstream subscriptions ${room.upstream}; events dropped ${room.dropped}` : ''),
    `  also on the 2 cores over the window: ${others}`,
  ];
}

export function liveRoomLines(result: LiveRoomResult): string[] {
  const lines = [`f live room (${result.seconds.toFixed(0)} s; ulimit -n ${result.fdLimit}${result.socketsNote ? `; ${result.socketsNote}` : ''})`];
  lines.push(...anonymousLines(`f part 1, ours-injection`, result.ours));
  const l = result.loggedIn;
  const all = timeToAllSummary(l.timeToAllMs);
  const r = l.received;
  lines.push(
    `f part 2, ours-injection: ${l.sockets} logged-in sockets selecting claimedByMe (${l.claimedFirst} claimed first), ${l.events} claims one at a time (${l.claimsFailed} failed${l.firstClaimError ? `: ${l.firstClaimError}` : ''})`,
    `  own answers: ${l.claimedTrue} sockets said claimedByMe true on their first event (expected ${l.claimedFirst}), ${r.claimedByMeMismatches} events with another socket's answer or none; ` +
      `${l.subscribed} subscribed in ${l.connectSeconds.toFixed(1)} s; ${r.socketsMissing} sockets missed an event; ${r.errors} events with errors${r.firstError ? ` (first: ${r.firstError})` : ''}`,
    `  one event to all ${l.subscribed} sockets, claim sent → last socket received: median ${ms(all.median)}, max ${ms(all.max)} over ${all.complete} events ` +
      `(per socket p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)})`,
    `  per event: ${l.during.upstream} upstream subscriptions (one socket each, one per viewer: gateway_subscriptions_active{side="upstream"}), so the coupons subgraph sends ` +
      `${l.during.upstream} events and the gateway completes ${l.deliveredPerEvent.toFixed(0)} results; ${l.fetchesToCouponsPerEvent.toFixed(2)} HTTP fetches to the coupons subgraph per event besides the claim; ` +
      `gateway CPU ${ms(l.gatewayCpuMsPerEvent)}, coupons subgraph CPU ${ms(l.couponsCpuMsPerEvent)} per event (${((l.gatewayCpuMsPerEvent * 1000) / Math.max(1, l.subscribed)).toFixed(0)} µs and ` +
      `${((l.couponsCpuMsPerEvent * 1000) / Math.max(1, l.subscribed)).toFixed(0)} µs per subscriber)`,
  );
  if (result.hive) lines.push(...anonymousLines('f part 3, hive', result.hive));
  else lines.push(`f part 3, hive: not run: ${result.hiveNote ?? 'unknown'}`);
  if (result.hive && result.hiveNote) lines.push(`f part 3, hive: ${result.hiveNote}`);
  return lines;
}

export function liveRoomGoals(result: LiveRoomResult): GoalResult[] {
  const { ours, loggedIn } = result;
  const missed = ours.received.socketsMissing + (ours.sockets - ours.subscribed);
  const own = loggedIn.received.claimedByMeMismatches === 0 && loggedIn.claimedTrue === loggedIn.claimedFirst && loggedIn.received.socketsMissing === 0;
  return [
    {
      goal: `f: every one of ${ours.sockets} anonymous sockets gets every event (ours-injection)`,
      measured: `${missed} sockets missed events or did not subscribe`,
      met: missed === 0,
    },
    {
      goal: `f: memory per idle subscribed socket <= ${KB_PER_SOCKET_TARGET} KB (ours-injection)`,
      measured: `${ours.kbPerSocket.toFixed(1)} KB`,
      met: ours.kbPerSocket <= KB_PER_SOCKET_TARGET,
    },
    {
      goal: `f: delivery p99 <= ${P99_TARGET_MS} ms, claim sent → socket (ours-injection, ${ours.sockets} sockets)`,
      measured: `${ours.received.latencyMs.p99.toFixed(0)} ms (p50 ${ours.received.latencyMs.p50.toFixed(0)} ms)`,
      met: ours.received.latencyMs.p99 <= P99_TARGET_MS,
    },
    {
      goal: `f: each of ${loggedIn.sockets} logged-in sockets gets its own claimedByMe on every event`,
      measured: `${loggedIn.claimedTrue} true of ${loggedIn.claimedFirst} expected, ${loggedIn.received.claimedByMeMismatches} mismatches, ${loggedIn.received.socketsMissing} sockets missed events`,
      met: own,
    },
  ];
}

/**
 * Scenario (f), the live room (bench/README.md, "Live room"): 10,000 anonymous sockets on one coupon while
 * it is claimed every 100 ms, then 1,000 logged-in sockets selecting `claimedByMe`, on our gateway with the
 * platform config; then the anonymous room again on Hive Gateway, where it can run. One system serves all
 * three (system.ts); the sockets live in a load generator process of their own (socket-load.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HIVE_BIN, launchTarget, type Target } from '../gateways.js';
import { OPTIONS } from '../options.js';
import { ROOT, freePort } from '../processes.js';
import { cpuSeconds } from '../proc-stats.js';
import { anonymousRoom, type AnonymousRoomResult } from './anonymous-room.js';
import { readGateway } from './gateway-series.js';
import { loggedInRoom, type LoggedInRoomResult } from './logged-in-room.js';
import { startSocketLoad, type SocketLoad } from './socket-load-client.js';
import { startLiveRoom, type LiveRoomSystem } from './system.js';

const HIVE_LIVE_ROOM_CONFIG = join(ROOT, 'bench', 'peers', 'hive-live-room.config.mjs');
/** File descriptors a process needs besides its sockets (subgraph and MongoDB connections, files, pipes). */
const FD_HEADROOM = 512;
/** Enough stock that no claim of the run finds the coupon out of stock. */
const STOCK = 1_000_000;

export interface LiveRoomResult {
  /** `ulimit -n` of the processes (each holds one end of every socket). */
  fdLimit: number;
  /** Set when the limit made the run use fewer sockets than asked. */
  socketsNote: string | undefined;
  intervalMs: number;
  ours: AnonymousRoomResult;
  loggedIn: LoggedInRoomResult;
  hive: AnonymousRoomResult | undefined;
  /** Why Hive Gateway did not run, or what went wrong when it did. */
  hiveNote: string | undefined;
  seconds: number;
}

function fdLimit(): number {
  const answer = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return answer === 'unlimited' ? Number.POSITIVE_INFINITY : Number(answer);
}

/** Waits (at most 30 s) until the gateway has closed every client socket of the previous part. */
async function socketsClosed(gateway: Target): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await readGateway(gateway.url)).socketsOpen > 0 && Date.now() < deadline) await sleep(200);
}

/** Hive Gateway on the same supergraph, subscribing to the coupons subgraph over WebSocket; undefined with why not. */
async function startHive(system: LiveRoomSystem, hiveNote: string | undefined): Promise<Target | string> {
  if (hiveNote) return hiveNote;
  if (OPTIONS.targets && !OPTIONS.targets.has('hive')) return 'not in --targets';
  const port = await freePort();
  const args = ['supergraph', system.supergraph, '--port', String(port), '--host', '127.0.0.1', '-c', HIVE_LIVE_ROOM_CONFIG];
  return launchTarget('hive', HIVE_BIN, args, { FORK: '1' }, port, false);
}

/** Runs the three parts; `hiveNote` says why Hive Gateway is unavailable, if it is. */
export async function runLiveRoom(hiveNote: string | undefined): Promise<LiveRoomResult> {
  const began = Date.now();
  const { live } = OPTIONS;
  const limit = fdLimit();
  const sockets = Math.min(live.sockets, Math.max(0, limit - FD_HEADROOM));
  const socketsNote =
    sockets < live.sockets
      ? `ulimit -n is ${limit}: too low for ${live.sockets} sockets, ran ${sockets} (raise it: ulimit -n ${live.sockets + FD_HEADROOM})`
      : undefined;
  if (socketsNote) console.log(`  ${socketsNote}`);
  const claims = Math.round((live.seconds * 1000) / live.intervalMs);
  const hiveWanted = !hiveNote;
  const viewers = 1 + claims + live.viewers + live.events + (hiveWanted ? 1 + claims : 0);
  const system = await startLiveRoom({ viewers, stock: STOCK, socketsPerAddress: sockets + live.viewers + 100 });
  let load: SocketLoad | undefined;
  try {
    load = await startSocketLoad();
    const tokens = [...system.tokens];
    const take = (n: number) => tokens.splice(0, n);
    const loadPid = load.process.child.pid!;
    const couponsPid = system.coupons.child.pid!;
    const driverStart = process.cpuUsage();
    const others = [
      { name: 'coupons subgraph', cpuSeconds: () => cpuSeconds(couponsPid) },
      { name: 'load generator', cpuSeconds: () => cpuSeconds(loadPid) },
      {
        name: 'bench driver (claims, embedded MongoDB)',
        cpuSeconds: () => process.cpuUsage(driverStart).user / 1e6 + process.cpuUsage(driverStart).system / 1e6,
      },
    ];
    const room = { claimUrl: system.gateway.url, sockets, intervalMs: live.intervalMs, others, load, stock: system.stock };

    console.log(`  part 1: ${sockets} anonymous sockets on ours-injection`);
    const ours = await anonymousRoom({ ...room, target: system.gateway, tokens: take(1 + claims) });
    await socketsClosed(system.gateway);

    console.log(`  part 2: ${live.viewers} logged-in sockets selecting claimedByMe on ours-injection`);
    const loggedIn = await loggedInRoom({
      gateway: system.gateway,
      subscriberTokens: take(live.viewers),
      claimedFirst: live.claimedFirst,
      claimerTokens: take(live.events),
      coupons: { pid: couponsPid },
      load,
      stock: system.stock,
    });
    await socketsClosed(system.gateway);

    let hive: AnonymousRoomResult | undefined;
    let hiveOutcome: string | undefined;
    console.log(`  part 3: ${sockets} anonymous sockets on Hive Gateway`);
    const hiveTarget = await startHive(system, hiveNote).catch((error: unknown) => `did not start: ${error instanceof Error ? error.message : String(error)}`);
    if (typeof hiveTarget === 'string') hiveOutcome = hiveTarget;
    else {
      try {
        hive = await anonymousRoom({ ...room, target: hiveTarget, tokens: take(1 + claims) });
      } catch (error) {
        hiveOutcome = `failed: ${error instanceof Error ? error.message : String(error)}`;
        await load.close().catch(() => undefined);
      } finally {
        await hiveTarget.process?.stop();
      }
    }
    if (hiveOutcome) console.log(`  hive: ${hiveOutcome}`);
    return { fdLimit: limit, socketsNote, intervalMs: live.intervalMs, ours, loggedIn, hive, hiveNote: hiveOutcome, seconds: (Date.now() - began) / 1000 };
  } finally {
    await load?.stop();
    await system.close();
  }
}

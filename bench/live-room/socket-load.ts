/**
 * The live room's socket load generator, run as its own process by the bench driver (socket-load-client.ts):
 * opens thousands of graphql-transport-ws sockets, subscribes each once, and records when each socket got
 * each event. Receipt times go into one typed array (socket × claim) so 10,000 sockets × 300 events cost
 * 24 MB and no per-event objects; latencies are computed only when the driver says when each claim was sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType } from 'graphql-ws';
import WebSocket from 'ws';
import { percentile } from './stats.js';
import {
  monotonicMs,
  type AwaitCommand,
  type LoadCommand,
  type LoadReply,
  type LoadReport,
  type OpenCommand,
  type OpenReply,
  type ReportCommand,
} from './socket-load-protocol.js';

/** How long one socket may take from connecting to its first event. */
const SOCKET_TIMEOUT_MS = 30_000;
const SUBSCRIPTION_ID = 'room';
const MAX_LISTED = 20;

interface Room {
  command: OpenCommand;
  sockets: (WebSocket | undefined)[];
  /** Receipt time of claim k's event on socket i at `i * maxEvents + k - 1` (0: not received). */
  receivedAt: Float64Array;
  /** Events received per socket after its first. */
  counts: Uint32Array;
  /** The highest claim seen per socket (for the order check). */
  lastClaim: Int32Array;
  ready: Uint8Array;
  total: number;
  duplicates: number;
  outOfOrder: number;
  unexpected: number;
  errors: number;
  firstError: string | undefined;
  mismatches: number;
  claimedTrue: number;
  closing: boolean;
  closedEarly: number;
  closeCodes: number[];
}

let room: Room | undefined;

interface NextPayload {
  data?: { couponStock?: { remaining?: number; claimedByMe?: boolean | null } } | null;
  errors?: unknown[];
}

/** One event on socket `i`: which claim it reports (by `remaining`), recorded once. */
function received(r: Room, i: number, payload: NextPayload, at: number): boolean {
  const coupon = payload.data?.couponStock;
  if (payload.errors?.length || typeof coupon?.remaining !== 'number') {
    r.errors++;
    r.firstError ??= JSON.stringify(payload).slice(0, 300);
    return false;
  }
  const expected = r.command.claimedByMe?.[i];
  if (expected !== undefined && coupon.claimedByMe !== expected) r.mismatches++;
  const claim = r.command.base - coupon.remaining;
  if (claim === 0) {
    if (!r.ready[i] && coupon.claimedByMe === true) r.claimedTrue++;
    return true;
  }
  if (claim < 0 || claim > r.command.maxEvents) {
    r.unexpected++;
    return false;
  }
  const slot = i * r.command.maxEvents + claim - 1;
  if (r.receivedAt[slot]) {
    r.duplicates++;
    return false;
  }
  r.receivedAt[slot] = at;
  r.counts[i]!++;
  r.total++;
  if (claim < r.lastClaim[i]!) r.outOfOrder++;
  else r.lastClaim[i] = claim;
  return true;
}

/** Opens socket `i` and resolves once its first event came (true) or it failed (false, with why). */
function openSocket(r: Room, i: number): Promise<string | undefined> {
  const { command } = r;
  return new Promise((resolve) => {
    const ws = new WebSocket(command.url.replace(/^http/, 'ws'), GRAPHQL_TRANSPORT_WS_PROTOCOL, { perMessageDeflate: false });
    r.sockets[i] = ws;
    let settled = false;
    const settle = (failure: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(failure);
    };
    const timer = setTimeout(() => settle('no first event within 30 s'), SOCKET_TIMEOUT_MS);
    ws.on('open', () => ws.send(JSON.stringify({ type: MessageType.ConnectionInit, payload: command.inits[i] })));
    ws.on('message', (data) => {
      const at = monotonicMs();
      const message = JSON.parse(data.toString()) as { type: string; payload?: unknown };
      if (message.type === MessageType.Next) {
        const first = received(r, i, message.payload as NextPayload, at) && !r.ready[i];
        if (first) {
          r.ready[i] = 1;
          settle(undefined);
        }
      } else if (message.type === MessageType.ConnectionAck) {
        ws.send(JSON.stringify({ id: SUBSCRIPTION_ID, type: MessageType.Subscribe, payload: command.subscribe }));
      } else if (message.type === MessageType.Error) {
        r.errors++;
        r.firstError ??= JSON.stringify(message.payload).slice(0, 300);
        settle(`error: ${JSON.stringify(message.payload).slice(0, 200)}`);
      } else if (message.type === MessageType.Ping) {
        ws.send(JSON.stringify({ type: MessageType.Pong }));
      }
    });
    ws.on('unexpected-response', (_req, res) => settle(`upgrade answered HTTP ${res.statusCode}`));
    ws.on('error', (error) => settle(`socket error: ${error.message}`));
    ws.on('close', (code) => {
      if (!r.closing) {
        r.closedEarly++;
        if (r.closeCodes.length < MAX_LISTED) r.closeCodes.push(code);
      }
      settle(`closed with ${code}`);
    });
  });
}

async function open(command: OpenCommand): Promise<OpenReply> {
  const n = command.inits.length;
  const r: Room = {
    command,
    sockets: new Array<WebSocket | undefined>(n),
    receivedAt: new Float64Array(n * command.maxEvents),
    counts: new Uint32Array(n),
    lastClaim: new Int32Array(n),
    ready: new Uint8Array(n),
    total: 0,
    duplicates: 0,
    outOfOrder: 0,
    unexpected: 0,
    errors: 0,
    firstError: undefined,
    mismatches: 0,
    claimedTrue: 0,
    closing: false,
    closedEarly: 0,
    closeCodes: [],
  };
  room = r;
  const started = monotonicMs();
  const deadline = Date.now() + command.timeoutMs;
  const failures: string[] = [];
  let next = 0;
  // `concurrency` workers take the next socket until all are open or the deadline passed: bounded both ways.
  const worker = async () => {
    while (next < n && Date.now() < deadline) {
      const failure = await openSocket(r, next++);
      if (failure !== undefined && failures.length < MAX_LISTED) failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, n) }, worker));
  const ready = r.ready.reduce((sum, x) => sum + x, 0);
  return { type: 'opened', ready, failed: n - ready, failures, seconds: (monotonicMs() - started) / 1000, claimedTrue: r.claimedTrue };
}

async function awaitEvents(command: AwaitCommand): Promise<LoadReply> {
  const r = room;
  if (!r) return { type: 'failed', message: 'no sockets open' };
  const ready = r.ready.reduce((sum, x) => sum + x, 0);
  const expected = ready * command.events;
  const deadline = Date.now() + command.timeoutMs;
  while (r.total < expected && Date.now() < deadline) await sleep(20);
  return { type: 'awaited', complete: r.total >= expected, received: r.total, expected };
}

function report(command: ReportCommand): LoadReply {
  const r = room;
  if (!r) return { type: 'failed', message: 'no sockets open' };
  const { maxEvents } = r.command;
  const claims = Math.min(command.sentAt.length, maxEvents);
  const latencies = new Float64Array(r.total);
  const timeToAll = new Array<number | undefined>(claims).fill(0);
  const missing = new Map<string, LoadReport['missing'][number]>();
  let socketsMissing = 0;
  let n = 0;
  for (let i = 0; i < r.sockets.length; i++) {
    if (!r.ready[i]) continue;
    let missed = 0;
    let firstMissed = 0;
    for (let k = 1; k <= claims; k++) {
      const at = r.receivedAt[i * maxEvents + k - 1]!;
      if (!at) {
        missed++;
        firstMissed ||= k;
        timeToAll[k - 1] = undefined;
        continue;
      }
      const latency = at - command.sentAt[k - 1]!;
      latencies[n++] = latency;
      if (timeToAll[k - 1] !== undefined) timeToAll[k - 1] = Math.max(timeToAll[k - 1]!, latency);
    }
    if (missed === 0) continue;
    socketsMissing++;
    const key = `${missed}:${firstMissed}`;
    const group = missing.get(key);
    if (group) group.sockets++;
    else missing.set(key, { sockets: 1, missed, firstMissedClaim: firstMissed, example: i });
  }
  const sorted = latencies.subarray(0, n).sort();
  return {
    type: 'report',
    sockets: r.ready.reduce((sum, x) => sum + x, 0),
    expectedPerSocket: claims,
    socketsMissing,
    missing: [...missing.values()].sort((a, b) => b.sockets - a.sockets).slice(0, MAX_LISTED),
    duplicates: r.duplicates,
    outOfOrder: r.outOfOrder,
    unexpected: r.unexpected,
    errors: r.errors,
    firstError: r.firstError,
    claimedByMeMismatches: r.mismatches,
    closedEarly: r.closedEarly,
    closeCodes: r.closeCodes,
    latencyMs: { count: n, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: n ? sorted[n - 1]! : 0 },
    timeToAllMs: timeToAll,
  };
}

async function close(): Promise<LoadReply> {
  const r = room;
  if (!r) return { type: 'closed', closed: 0 };
  r.closing = true;
  const open = r.sockets.filter((ws): ws is WebSocket => ws !== undefined && ws.readyState !== WebSocket.CLOSED);
  const closed = open.map((ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))));
  for (const ws of open) ws.close(1000);
  await Promise.race([Promise.all(closed), sleep(5000)]);
  for (const ws of open) ws.terminate();
  room = undefined;
  return { type: 'closed', closed: open.length };
}

async function handle(command: LoadCommand): Promise<LoadReply> {
  switch (command.type) {
    case 'open':
      return open(command);
    case 'await':
      return awaitEvents(command);
    case 'report':
      return report(command);
    case 'close':
      return close();
  }
}

// Commands come one at a time; each gets one reply. The generator ends with its parent.
process.on('message', (command: LoadCommand) => {
  handle(command)
    .catch((error: unknown): LoadReply => ({ type: 'failed', message: error instanceof Error ? error.message : String(error) }))
    .then((reply) => process.send!(reply));
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready' });

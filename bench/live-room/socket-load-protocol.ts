/**
 * The messages between the bench driver and the live room's socket load generator (socket-load.ts), a
 * process of its own so that receiving 10,000 sockets' events neither shares the gateway's event loop nor
 * delays the driver's claims. Each command gets exactly one reply, in order.
 */

/** Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC): the same clock in every process here, so a claim's send time in the driver and an event's receipt time in the generator compare directly. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Opens sockets, each subscribing once; the reply comes when every socket has its first event (the coupon as it is), or at `timeoutMs`. */
export interface OpenCommand {
  type: 'open';
  /** The gateway's GraphQL URL (http://...); the sockets go to the same path over ws://. */
  url: string;
  /** One `connection_init` payload per socket: `{}` for an anonymous one, `{ authorization }` for a viewer. */
  inits: Record<string, string>[];
  /** The `subscribe` payload every socket sends. */
  subscribe: { query: string; variables: Record<string, unknown> };
  /** The coupon's `remaining` when the sockets subscribe: the event of the k-th claim after it carries `base - k`. */
  base: number;
  /** The most claims that will follow (sizes each socket's record of receipt times). */
  maxEvents: number;
  /** Per socket, what every event's `claimedByMe` must be; unchecked when absent. */
  claimedByMe?: (boolean | null)[];
  /** Sockets opening at once. */
  concurrency: number;
  timeoutMs: number;
}

export interface OpenReply {
  type: 'opened';
  /** Sockets subscribed with their first event. */
  ready: number;
  failed: number;
  /** The first few reasons sockets failed. */
  failures: string[];
  seconds: number;
  /** Sockets whose first event said `claimedByMe: true`. */
  claimedTrue: number;
}

/** Waits until every ready socket has the events of claims 1..`events`, or `timeoutMs` passed. */
export interface AwaitCommand {
  type: 'await';
  events: number;
  timeoutMs: number;
}

export interface AwaitReply {
  type: 'awaited';
  complete: boolean;
  /** Events received so far over all sockets (after their first), and how many were expected. */
  received: number;
  expected: number;
}

/** What the sockets received, given when each claim was sent (`sentAt[k - 1]` for claim k, monotonicMs). */
export interface ReportCommand {
  type: 'report';
  sentAt: number[];
}

export interface LoadReport {
  type: 'report';
  sockets: number;
  /** Events each socket was expected to get after its first (one per claim). */
  expectedPerSocket: number;
  /** Sockets that missed at least one event, grouped by how many they missed and from which claim (the largest groups, with one socket of each). */
  socketsMissing: number;
  missing: { sockets: number; missed: number; firstMissedClaim: number; example: number }[];
  /** Events received twice, out of order, or with a `remaining` no claim explains. */
  duplicates: number;
  outOfOrder: number;
  unexpected: number;
  /** Events carrying GraphQL errors (the first one quoted). */
  errors: number;
  firstError: string | undefined;
  /** Events whose `claimedByMe` differed from the socket's expected answer. */
  claimedByMeMismatches: number;
  /** Sockets the gateway closed before the bench did (with the first codes seen). */
  closedEarly: number;
  closeCodes: number[];
  /** Claim sent → receipt, over every (socket, event) received. */
  latencyMs: { count: number; p50: number; p99: number; max: number };
  /** Per claim: sent → the last socket's receipt (undefined where a socket missed it). */
  timeToAllMs: (number | undefined)[];
}

/** Closes every socket (politely, then cut after 5 s). */
export interface CloseCommand {
  type: 'close';
}

export interface CloseReply {
  type: 'closed';
  closed: number;
}

export type LoadCommand = OpenCommand | AwaitCommand | ReportCommand | CloseCommand;
export type LoadReply = OpenReply | AwaitReply | LoadReport | CloseReply | { type: 'failed'; message: string };

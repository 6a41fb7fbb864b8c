/**
 * One subscription to a subgraph, over its own WebSocket (`graphql-transport-ws`). The identity rides in
 * `connection_init` as `x-identity`, signed over the exact text of the `subscribe` frame that follows
 * (the subgraph kit's "identity over a socket"), so a socket carries exactly the one subscription it was
 * signed for. The socket is kept alive with protocol pings; when it drops (a subgraph restart, a network
 * fault, a missed pong) it is opened again with backoff and a fresh identity, and the subscription
 * resumes: the subscriber sees a gap, never an error, unless the subgraph stays away past `giveUpMs`.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType } from 'graphql-ws';
import WebSocket from 'ws';
import type { SubscriptionEvent } from '../apollo-patches/plan-executor.js';

/** The request the subgraph subscribes to: the plan's primary fetch. */
export interface UpstreamRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

export interface UpstreamHandlers {
  /** An event of the subscription (a `next` payload). */
  next(event: SubscriptionEvent): void;
  /** The subscription ended: the subgraph completed it (no errors), refused it, or stayed unreachable. Not called after `stop()`. */
  end(errors?: readonly GraphQLFormattedError[]): void;
}

export interface UpstreamTiming {
  /** Protocol ping interval; a socket with no message since the last ping is dropped and reopened. @default 15000 */
  keepAliveMs: number;
  /** Time to open a socket and get `connection_ack`. @default 5000 */
  connectTimeoutMs: number;
  /** First and largest wait before reopening a dropped socket (doubling, with jitter). @default 100, 5000 */
  retryInitialMs: number;
  retryMaxMs: number;
  /** How long the subgraph may stay unreachable before the subscription ends with SUBGRAPH_UNAVAILABLE. @default 60000 */
  giveUpMs: number;
}

export const DEFAULT_UPSTREAM_TIMING: UpstreamTiming = {
  keepAliveMs: 15_000,
  connectTimeoutMs: 5_000,
  retryInitialMs: 100,
  retryMaxMs: 5_000,
  giveUpMs: 60_000,
};

export interface UpstreamOptions {
  subgraph: string;
  /** The subgraph's GraphQL URL (http or ws); the socket goes to the same path. */
  url: string;
  request: UpstreamRequest;
  /** The `connection_init` payload for a socket whose subscribe frame is `frame` (the signed identity, the request id). */
  init(frame: string): Promise<Record<string, string>>;
  handlers: UpstreamHandlers;
  timing?: Partial<UpstreamTiming>;
  /** Told each time a socket opens, fails or is reopened (metrics, logs). */
  onConnection?(event: 'open' | 'drop'): void;
}

/** A subgraph the gateway could not subscribe to: what its subscribers' `error` carries. */
export const unavailable = (subgraph: string): GraphQLFormattedError[] => [
  { message: `The ${subgraph} service is unavailable; the subscription ended.`, extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph } },
];

export class UpstreamSubscription {
  private readonly timing: UpstreamTiming;
  private readonly wsUrl: string;
  private socket: WebSocket | undefined;
  private stopped = false;
  private failingSince: number | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: UpstreamOptions) {
    this.timing = { ...DEFAULT_UPSTREAM_TIMING, ...options.timing };
    const url = new URL(options.url);
    url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
    this.wsUrl = url.toString();
  }

  start(): void {
    this.open();
  }

  /** Ends the subscription: its socket closes (the subgraph ends it), and nothing more is delivered. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.drop(1000, 'subscription ended');
  }

  /** Closes the socket and opens a new one at once, signed afresh (what the subgraph may know changed). Events of the old socket are not delivered. */
  restart(): void {
    if (this.stopped) return;
    this.drop(1000, 'identity changed');
    clearTimeout(this.retryTimer);
    this.open();
  }

  private open(): void {
    const id = randomUUID();
    const frame = JSON.stringify({ id, type: MessageType.Subscribe, payload: this.options.request });
    const socket = new WebSocket(this.wsUrl, GRAPHQL_TRANSPORT_WS_PROTOCOL, { perMessageDeflate: false, handshakeTimeout: this.timing.connectTimeoutMs });
    this.socket = socket;
    let acknowledged = false;
    let heard = true;
    const current = () => this.socket === socket && !this.stopped;
    const ackTimer = setTimeout(() => current() && this.fail(socket), this.timing.connectTimeoutMs);

    socket.on('open', () => {
      this.options
        .init(frame)
        .then((payload) => {
          if (current()) socket.send(JSON.stringify({ type: MessageType.ConnectionInit, payload }));
        })
        // No identity could be made (the identity store is down): treated as a dropped socket, retried.
        .catch(() => current() && this.fail(socket));
    });
    socket.on('message', (data, isBinary) => {
      if (!current()) return;
      heard = true;
      const message = isBinary ? undefined : parse(data.toString());
      if (!message) return this.fail(socket);
      switch (message.type) {
        case MessageType.ConnectionAck:
          if (acknowledged) return;
          acknowledged = true;
          clearTimeout(ackTimer);
          socket.send(frame);
          this.attempt = 0;
          this.failingSince = undefined;
          this.options.onConnection?.('open');
          this.pingTimer = setInterval(() => {
            if (!heard) return this.fail(socket);
            heard = false;
            socket.send(PING);
          }, this.timing.keepAliveMs);
          return;
        case MessageType.Ping:
          socket.send(PONG);
          return;
        case MessageType.Next:
          if (message.id === id) this.options.handlers.next(message.payload as SubscriptionEvent);
          return;
        case MessageType.Error:
          if (message.id !== id) return;
          this.finish(socket, Array.isArray(message.payload) ? (message.payload as GraphQLFormattedError[]) : unavailable(this.options.subgraph));
          return;
        case MessageType.Complete:
          if (message.id === id) this.finish(socket, undefined);
          return;
        default:
          return;
      }
    });
    socket.on('error', () => current() && this.fail(socket));
    socket.on('close', () => {
      clearTimeout(ackTimer);
      if (current()) this.fail(socket);
    });
  }

  /** The subgraph ended the subscription itself: no reconnect. */
  private finish(socket: WebSocket, errors: readonly GraphQLFormattedError[] | undefined): void {
    this.stopped = true;
    this.drop(1000, 'subscription ended', socket);
    this.options.handlers.end(errors);
  }

  /** The socket failed: drop it and retry with backoff, or give up once the subgraph has been away `giveUpMs`. */
  private fail(socket: WebSocket): void {
    if (this.socket !== socket || this.stopped) return;
    this.drop(1001, 'reconnecting', socket, true);
    this.options.onConnection?.('drop');
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince >= this.timing.giveUpMs) {
      this.stopped = true;
      this.options.handlers.end(unavailable(this.options.subgraph));
      return;
    }
    const ceiling = Math.min(this.timing.retryMaxMs, this.timing.retryInitialMs * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => !this.stopped && this.open(), ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private drop(code: number, reason: string, socket = this.socket, abrupt = false): void {
    clearInterval(this.pingTimer);
    if (!socket) return;
    if (this.socket === socket) this.socket = undefined;
    socket.removeAllListeners('message');
    // A socket that failed is cut; a subscription we end is completed and closed politely.
    socket.on('error', () => {});
    if (abrupt || socket.readyState !== WebSocket.OPEN) socket.terminate();
    else socket.close(code, reason);
  }
}

const PING = JSON.stringify({ type: MessageType.Ping });
const PONG = JSON.stringify({ type: MessageType.Pong });

interface Message {
  type: string;
  id?: unknown;
  payload?: unknown;
}

function parse(text: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && typeof (value as Message).type === 'string' ? (value as Message) : undefined;
  } catch {
    return undefined;
  }
}

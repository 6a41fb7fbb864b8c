/**
 * The gateway's WebSocket endpoint for clients (`ws://host/graphql`, `graphql-transport-ws`). A socket
 * authenticates once, in `connection_init` (`{ authorization: "Bearer <token>" }`, none: anonymous);
 * each `subscribe` message is then a GraphQL request like a POST body and runs through the same request
 * pipeline (document resolution, token bound, limits, validation, rate limits, viewer admission), ending
 * in a subscription (live-subscriptions.ts), or, for a query or mutation, in one result.
 *
 * Bounds, each an option with a default: sockets per client address (the upgrade is answered 429),
 * subscriptions per socket (TOO_MANY_SUBSCRIPTIONS), subscribe messages per socket per minute
 * (RATE_LIMITED: each may open an upstream subscription), message size (close 1009), `connection_init`
 * within a time (close 4408), and a ping every keep-alive interval: a socket that missed the last pong
 * is dropped (mini-program sockets die silently in the background). A socket's session ends it: when
 * its access token expires the socket closes 4401 TOKEN_EXPIRED; when the session is revoked, 4403
 * SESSION_REVOKED (at once on this gateway, within one feed poll on others).
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { GraphQLFormattedError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { HttpError, type GraphQLHttpRequest, type SocketEndpoint } from '@identity-federation-gateway/subgraph-kit';
import { Headers } from '../../platform/headers.js';
import type { Logger } from '../../platform/logger.js';
import { clientAddressOf } from '../features/rate-limits.js';
import type { SocketChannel } from '../pipeline/gateway-request.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { tracedSubscriptionStart } from '../spans.js';
import type { Viewer, ViewerVerifier } from '../viewer.js';

export interface SocketLimits {
  /** Open sockets one client address may hold (carrier NAT puts many phones behind one address). */
  socketsPerAddress: number;
  /** Subscriptions one socket may hold at once. */
  subscriptionsPerSocket: number;
  /** `subscribe` messages one socket may send per minute (each may open an upstream subscription: churn is bounded too). */
  subscribesPerMinute: number;
  /** Largest message a client may send, in bytes. */
  maxMessageBytes: number;
  /** Time a new socket has to send `connection_init`. */
  initTimeoutMs: number;
  /** Ping interval; a socket that has not answered the previous ping is dropped. */
  keepAliveMs: number;
  /** Bytes waiting to be written to one socket past which events for it are dropped (a client not reading). */
  maxBufferedBytes: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  socketsPerAddress: 100,
  subscriptionsPerSocket: 20,
  subscribesPerMinute: 120,
  maxMessageBytes: 64 * 1024,
  initTimeoutMs: 10_000,
  keepAliveMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
};

/** Close reasons, as the client reads them (the reason text of the close frame). */
export const CloseReasons = { tokenExpired: 'TOKEN_EXPIRED', tokenInvalid: 'TOKEN_INVALID', sessionRevoked: 'SESSION_REVOKED' } as const;

export interface ClientSocketsOptions {
  pipeline: Pipeline;
  /** Verifies a socket's token (the gateway's verifier, revocations included); undefined: a plain gateway, every socket anonymous. */
  verifyViewer: ViewerVerifier | undefined;
  limits?: Partial<SocketLimits>;
  /** Behind a proxy: the header whose last entry is the client's address. @default the TCP peer */
  clientAddressHeader?: string;
  logger: Logger;
}

export interface SocketStats {
  /** Sockets open now. */
  open: number;
  /** Event results dropped because a socket's buffer was full. */
  dropped: number;
}

/** The endpoint the HTTP edge hands upgrades to, plus what the gateway tells it (ended sessions). */
export interface ClientSockets extends SocketEndpoint {
  readonly stats: SocketStats;
  /** Closes every socket of these sessions with 4403 SESSION_REVOKED. */
  sessionEnded(sessionId: string): void;
}

export function clientSockets(options: ClientSocketsOptions): ClientSockets {
  const limits: SocketLimits = { ...DEFAULT_SOCKET_LIMITS, ...options.limits };
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false),
  });
  const stats: SocketStats = { open: 0, dropped: 0 };
  const byAddress = new Map<string, number>();
  const bySession = new Map<string, Set<ClientSocket>>();
  const all = new Set<ClientSocket>();
  let closing = false;

  const keepAlive = setInterval(() => {
    for (const socket of all) socket.ping();
  }, limits.keepAliveMs);
  keepAlive.unref();

  const context: SocketContext = {
    options,
    limits,
    stats,
    authenticated(socket, viewer) {
      let sockets = bySession.get(viewer.sessionId);
      if (!sockets) bySession.set(viewer.sessionId, (sockets = new Set()));
      sockets.add(socket);
    },
  };

  return {
    stats,
    upgrade(req: IncomingMessage, duplex: Duplex, head: Buffer) {
      const address = clientAddressOf({ headers: req.headers, remoteAddress: req.socket.remoteAddress ?? '' }, options.clientAddressHeader);
      const held = byAddress.get(address) ?? 0;
      if (closing) return refuse(duplex, 503, 'Service Unavailable');
      if (held >= limits.socketsPerAddress) return refuse(duplex, 429, 'Too Many Requests');
      byAddress.set(address, held + 1);
      const release = () => {
        const left = (byAddress.get(address) ?? 1) - 1;
        if (left <= 0) byAddress.delete(address);
        else byAddress.set(address, left);
      };
      let opened = false;
      // A handshake ws refuses (e.g. 400 for a bad key) never opens: the address holds no socket.
      duplex.once('close', () => opened || release());
      server.handleUpgrade(req, duplex, head, (ws) => {
        opened = true;
        const socket = new ClientSocket(ws, address, req, context);
        all.add(socket);
        stats.open++;
        ws.once('close', () => {
          all.delete(socket);
          stats.open--;
          release();
          const sessionId = socket.viewer?.sessionId;
          if (sessionId !== undefined) {
            const sockets = bySession.get(sessionId);
            sockets?.delete(socket);
            if (sockets?.size === 0) bySession.delete(sessionId);
          }
          socket.closed();
        });
        // A subprotocol the gateway does not speak: graphql-ws's own close code for it.
        if (ws.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) ws.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      });
    },
    sessionEnded(sessionId) {
      for (const socket of bySession.get(sessionId) ?? []) socket.close(CloseCode.Forbidden, CloseReasons.sessionRevoked);
    },
    async close() {
      closing = true;
      clearInterval(keepAlive);
      const closed = [...all].map((socket) => socket.shutdown());
      await Promise.all(closed);
    },
  };
}

interface SocketContext {
  options: ClientSocketsOptions;
  limits: SocketLimits;
  stats: SocketStats;
  authenticated(socket: ClientSocket, viewer: Viewer): void;
}

interface Subscription {
  /** Ends the running subscription; unset while the subscribe message is still in the pipeline. */
  stop: (() => void) | undefined;
  /** The client completed it (or the socket closed) before it started. */
  cancelled: boolean;
  /** `{"id":"<id>","type":"next","payload":`, encoded once, prefixed to every event's result. */
  nextPrefix: Buffer;
}

const NEXT_SUFFIX = Buffer.from('}');

/** One client's socket: the protocol's states and messages. */
class ClientSocket {
  viewer: Viewer | undefined;
  private state: 'waiting' | 'initialising' | 'ready' | 'closed' = 'waiting';
  private alive = true;
  private authorization: string | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly initTimer: NodeJS.Timeout;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly remoteAddress: string;
  private readonly forwardedFor: string | string[] | undefined;
  /** Subscribe messages in the current minute, and when it began. */
  private subscribes = { count: 0, since: 0 };

  constructor(
    private readonly ws: WebSocket,
    address: string,
    req: IncomingMessage,
    private readonly context: SocketContext,
  ) {
    this.remoteAddress = req.socket.remoteAddress ?? address;
    const header = context.options.clientAddressHeader;
    this.forwardedFor = header ? req.headers[header] : undefined;
    this.initTimer = setTimeout(() => this.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout'), context.limits.initTimeoutMs);
    ws.on('message', (data, isBinary) => void this.received(isBinary ? undefined : data.toString()));
    ws.on('pong', () => (this.alive = true));
    // A socket error is followed by 'close'; nothing to report to anyone.
    ws.on('error', () => {});
  }

  /** Keep-alive: drops the socket when the previous ping went unanswered, else pings it. */
  ping(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.ws.close(code, reason);
  }

  /** The gateway is stopping: close as "going away", and wait until the socket is closed. */
  shutdown(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.close(1001, 'Gateway shutting down');
      setTimeout(() => this.ws.terminate(), 1000).unref();
    });
  }

  /** The socket closed, however: every subscription on it ends. */
  closed(): void {
    this.state = 'closed';
    clearTimeout(this.initTimer);
    clearTimeout(this.expiryTimer);
    for (const subscription of this.subscriptions.values()) {
      subscription.cancelled = true;
      subscription.stop?.();
    }
    this.subscriptions.clear();
  }

  private async received(text: string | undefined): Promise<void> {
    if (this.state === 'closed') return;
    const message = text === undefined ? undefined : parseMessage(text);
    if (!message) return this.close(CloseCode.BadRequest, 'Invalid message received');
    switch (message.type) {
      case MessageType.ConnectionInit:
        return this.initialise(message.payload);
      case MessageType.Ping:
        return this.send({ type: MessageType.Pong });
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        if (this.state !== 'ready') return this.close(CloseCode.Unauthorized, 'Unauthorized');
        return this.subscribe(message.id, message.payload);
      case MessageType.Complete:
        return this.complete(message.id);
      default:
        return this.close(CloseCode.BadRequest, `Unexpected message of type ${message.name.slice(0, 40)} received`);
    }
  }

  private async initialise(payload: Record<string, unknown> | undefined): Promise<void> {
    if (this.state !== 'waiting') return this.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
    this.state = 'initialising';
    clearTimeout(this.initTimer);
    const authorization = payload?.[Headers.authorization];
    if (authorization !== undefined && authorization !== null && typeof authorization !== 'string') {
      return this.close(CloseCode.BadRequest, 'connection_init: authorization must be a string');
    }
    const { verifyViewer } = this.context.options;
    if (verifyViewer && authorization) {
      try {
        this.viewer = await verifyViewer(authorization);
      } catch (error) {
        return this.refuseSession(error);
      }
    }
    if ((this.state as string) === 'closed') return;
    this.authorization = authorization || undefined;
    if (this.viewer) {
      this.context.authenticated(this, this.viewer);
      const expiresAt = this.viewer.tokenExpiresAtMs;
      if (expiresAt !== undefined) {
        // Timers hold at most ~24.8 days; tokens live 15 minutes.
        this.expiryTimer = setTimeout(
          () => this.close(CloseCode.Unauthorized, CloseReasons.tokenExpired),
          Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1),
        );
      }
    }
    this.state = 'ready';
    this.send({ type: MessageType.ConnectionAck });
  }

  /** A token refused at connection_init or by a subscribe: the socket closes with the reason the client acts on. */
  private refuseSession(error: unknown): void {
    if (error instanceof HttpError && error.status === 401) {
      const reason = error.extensions.reason;
      if (reason === CloseReasons.sessionRevoked) return this.close(CloseCode.Forbidden, CloseReasons.sessionRevoked);
      return this.close(CloseCode.Unauthorized, reason === CloseReasons.tokenExpired ? CloseReasons.tokenExpired : CloseReasons.tokenInvalid);
    }
    this.context.options.logger.error({ err: error }, 'a socket could not be authenticated');
    this.close(CloseCode.InternalServerError, 'Internal server error');
  }

  private async subscribe(id: string, payload: Record<string, unknown>): Promise<void> {
    if (this.subscriptions.has(id)) return this.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    const now = Date.now();
    if (now - this.subscribes.since >= 60_000) this.subscribes = { count: 0, since: now };
    if (++this.subscribes.count > this.context.limits.subscribesPerMinute) {
      const retryAfter = Math.ceil((this.subscribes.since + 60_000 - now) / 1000);
      return this.sendError(id, [
        {
          message: `A socket may send at most ${this.context.limits.subscribesPerMinute} subscribe messages a minute; try again in ${retryAfter} s.`,
          extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter },
        },
      ]);
    }
    if (this.subscriptions.size >= this.context.limits.subscriptionsPerSocket) {
      return this.sendError(id, [
        {
          message: `A socket holds at most ${this.context.limits.subscriptionsPerSocket} subscriptions; complete one first.`,
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
        },
      ]);
    }
    const subscription: Subscription = { stop: undefined, cancelled: false, nextPrefix: Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`) };
    this.subscriptions.set(id, subscription);
    const channel: SocketChannel = {
      next: (results) => this.sendNext(subscription, results),
      end: (errors) => {
        if (this.subscriptions.get(id) !== subscription) return;
        this.subscriptions.delete(id);
        if (errors?.length) this.sendError(id, errors);
        else this.send({ id, type: MessageType.Complete });
      },
      started: (stop) => {
        subscription.stop = stop;
        if (subscription.cancelled) stop();
      },
    };
    const headers: Record<string, string | string[] | undefined> = {
      [Headers.contentType]: 'application/json',
      [Headers.accept]: 'application/graphql-response+json',
    };
    if (this.authorization) headers[Headers.authorization] = this.authorization;
    const addressHeader = this.context.options.clientAddressHeader;
    if (addressHeader) headers[addressHeader] = this.forwardedFor;
    const http: GraphQLHttpRequest = {
      method: 'POST',
      headers,
      body: payload,
      rawBody: undefined,
      search: '',
      requestId: randomUUID(),
      remoteAddress: this.remoteAddress,
    };

    await tracedSubscriptionStart(async (setOutcome) => {
      let response;
      try {
        response = await this.context.options.pipeline(http, channel);
      } catch (error) {
        this.context.options.logger.error({ err: error, requestId: http.requestId }, 'a subscribe message failed outside GraphQL');
        setOutcome('failed');
        return channel.end([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      }
      if (subscription.stop) return setOutcome('started');
      // Not a subscription that started: a refusal, or a query's or mutation's one result.
      if (response.body.kind !== 'complete') {
        setOutcome('refused');
        return channel.end([{ message: 'Incremental delivery (@defer) is not served over a socket.', extensions: { code: 'BAD_REQUEST' } }]);
      }
      const answer = parseAnswer(response.body.string);
      const unauthenticated = answer?.errors?.find((error) => error.extensions?.code === 'UNAUTHENTICATED');
      if (response.refusedWith && unauthenticated) {
        setOutcome('refused');
        return this.refuseSession(new HttpError(401, 'UNAUTHENTICATED', unauthenticated.message, { reason: String(unauthenticated.extensions?.reason ?? '') }));
      }
      if (answer && 'data' in answer && !response.refusedWith) {
        setOutcome('answered');
        if (this.subscriptions.get(id) === subscription && !subscription.cancelled) this.sendNext(subscription, [Buffer.from(response.body.string)]);
        return channel.end();
      }
      setOutcome('refused');
      channel.end(answer?.errors?.length ? answer.errors : [{ message: 'The request was refused.', extensions: { code: 'BAD_REQUEST' } }]);
    });
  }

  private complete(id: string): void {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return;
    this.subscriptions.delete(id);
    subscription.cancelled = true;
    subscription.stop?.();
  }

  private sendNext(subscription: Subscription, results: readonly Buffer[]): void {
    if (this.state === 'closed' || subscription.cancelled) return;
    if (this.ws.bufferedAmount > this.context.limits.maxBufferedBytes) {
      this.context.stats.dropped += results.length;
      return;
    }
    // Several messages go out in one write: the raw socket is corked around them (ws corks each frame
    // itself, and corks nest). One write per socket, however many events it is behind, is what lets a
    // fan-out that fell behind catch up instead of paying a system call per event per socket.
    const raw = results.length > 1 ? rawSocketOf(this.ws) : undefined;
    raw?.cork();
    for (const result of results) this.ws.send(Buffer.concat([subscription.nextPrefix, result, NEXT_SUFFIX]), { binary: false });
    raw?.uncork();
  }

  private sendError(id: string, errors: readonly GraphQLFormattedError[]): void {
    this.send({ id, type: MessageType.Error, payload: errors });
  }

  private send(message: Record<string, unknown>): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }
}

type ClientMessage =
  | { type: MessageType.ConnectionInit; payload: Record<string, unknown> | undefined }
  | { type: MessageType.Ping | MessageType.Pong }
  | { type: MessageType.Subscribe; id: string; payload: Record<string, unknown> }
  | { type: MessageType.Complete; id: string }
  | { type: 'other'; name: string };

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A client message with the fields its type requires, or undefined (the socket closes 4400). */
function parseMessage(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  const { type, id, payload } = value;
  switch (type) {
    case MessageType.ConnectionInit:
    case MessageType.Ping:
    case MessageType.Pong:
      if (payload !== undefined && payload !== null && !isRecord(payload)) return undefined;
      return type === MessageType.ConnectionInit ? { type, payload: isRecord(payload) ? payload : undefined } : { type };
    case MessageType.Subscribe:
      // The payload is a GraphQL request body; the pipeline checks its fields as it checks a POST's.
      return typeof id === 'string' && id !== '' && isRecord(payload) ? { type, id, payload } : undefined;
    case MessageType.Complete:
      return typeof id === 'string' && id !== '' ? { type, id } : undefined;
    default:
      return { type: 'other', name: type };
  }
}

function parseAnswer(text: string): { data?: unknown; errors?: GraphQLFormattedError[] } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? (value as { data?: unknown; errors?: GraphQLFormattedError[] }) : undefined;
  } catch {
    return undefined;
  }
}

/** The TCP socket under a ws WebSocket (ws keeps it as `_socket`; absent, messages are written one by one). */
function rawSocketOf(ws: WebSocket): { cork(): void; uncork(): void } | undefined {
  const raw = (ws as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' ? (raw as { cork(): void; uncork(): void }) : undefined;
}

/** Answers an upgrade the gateway will not take with a plain HTTP status. */
function refuse(duplex: Duplex, status: number, text: string): void {
  duplex.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

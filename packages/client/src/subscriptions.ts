/**
 * subscribe: GraphQL subscriptions over one socket per client, speaking graphql-transport-ws (the
 * graphql-ws library's protocol). One socket, because a mini-program may hold at most five. It opens on
 * the first subscription with the client's session in `connection_init` (logging in first, as a request
 * would), closes after a while without subscriptions, pings when the gateway has been quiet (a
 * mini-program's socket dies silently in the background), and after a drop reconnects with backoff and
 * subscribes again. A 4401 renews the session and a 4403 logs in again, then it reconnects once: the
 * same refusal before the gateway acknowledges the new socket ends every subscription (never a loop).
 */
import { clientInternals, OperationError, type Client, type ClientInternals, type RequestPayload } from './client.js';
import { LoginError, SocketClosedError } from './errors.js';
import type { StoredSession } from './session.js';
import { wxSocketTransport } from './socket-transports.js';
import type { GraphQLErrorShape, GraphQLResult, Socket, SubscriptionSinks, TypedDocument, WxApi } from './types.js';

const PROTOCOL = 'graphql-transport-ws';
const TOKEN_REFUSED = 4401;
const SESSION_REVOKED = 4403;
/** The init took too long (4408) is worth a retry; the rest of 44xx, and 1009 (too big), would meet the same refusal again. */
const isFatal = (code: number) => code === 1009 || (code >= 4400 && code < 4500 && code !== 4408);

/** One subscription: what to send again on every new socket, and under which id it runs on this one. */
interface Active {
  id: string;
  document: TypedDocument<unknown, unknown>;
  variables: unknown;
  sinks: SubscriptionSinks<unknown>;
  payload: RequestPayload;
  /** Times it was sent again in the other form (hash or text); at most two. */
  switches: number;
}

/** One socket, from the session it is opened with to its close. */
interface Connection {
  session?: StoredSession;
  socket?: Socket;
  acked?: boolean;
}

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

type Subscriber = (document: TypedDocument<unknown, unknown>, variables: unknown, sinks: SubscriptionSinks<unknown>) => () => void;

const subscribers = new WeakMap<Client, Subscriber>();

/**
 * Starts a subscription on the client's socket; returns the function that ends it (and sends `complete`).
 * Events arrive as `{ data, errors }`, exactly as a request's answer.
 * @example
 * const unsubscribe = subscribe(client, CouponStockDocument, { couponId }, {
 *   next: ({ data }) => data && this.setData({ remaining: data.couponStock.remaining }),
 *   error: (error) => this.setData({ failed: error.message }),
 * });
 */
export function subscribe<TResult, TVariables>(
  client: Client,
  document: TypedDocument<TResult, TVariables>,
  variables: TVariables,
  sinks: SubscriptionSinks<TResult>,
): () => void {
  let subscriber = subscribers.get(client);
  if (!subscriber) {
    const internals = clientInternals.get(client);
    if (!internals) throw new Error('subscribe: pass a client made by createClient');
    subscribers.set(client, (subscriber = socketSubscriber(internals)));
  }
  return subscriber(document as TypedDocument<unknown, unknown>, variables, sinks as SubscriptionSinks<unknown>);
}

function socketSubscriber({ options, wx: wxApi, sessions, payload, resend }: ClientInternals): Subscriber {
  const settings = options.subscriptions || {};
  const url = settings.url || options.endpoint.replace(/^http/, 'ws');
  const pingMs = settings.pingMs || 10_000;
  const pongTimeoutMs = settings.pongTimeoutMs || 5000;
  const idleMs = settings.idleMs || 3000;
  const retryMs = settings.retryMs || 1000;
  const maxRetryMs = settings.maxRetryMs || 30_000;
  const ackTimeoutMs = options.timeoutMs || 10_000;
  if (!options.socket && !(wxApi && wxApi.connectSocket)) throw new Error('subscribe: no wx.connectSocket; pass options.socket');
  const transport = options.socket || wxSocketTransport(wxApi as Required<Pick<WxApi, 'connectSocket'>>);

  /** The subscriptions, by their id on the current socket. */
  const active = new Map<string, Active>();
  let lastId = 0;
  let current: Connection | undefined;
  /** The ack deadline, then the ping and pong deadlines. */
  let watchdog = 0;
  let idleTimer = 0;
  /** Set while waiting to reconnect (0 otherwise). */
  let retryTimer = 0;
  let attempts = 0;
  /** A 4401/4403 was answered with a renewal or a new login; the next connection_ack ends that. */
  let recovering = false;

  const send = (message: Message) => current && current.socket && current.socket.send(JSON.stringify(message));

  const watch = (ms: number, then: () => void) => {
    clearTimeout(watchdog);
    watchdog = setTimeout(then, ms);
  };

  /** Sends `sub` under a new id once the socket is acknowledged (ids are never reused on a socket). */
  function start(sub: Active) {
    active.delete(sub.id);
    sub.id = String(++lastId);
    active.set(sub.id, sub);
    if (current && current.acked) send({ id: sub.id, type: 'subscribe', payload: sub.payload });
  }

  function end(sub: Active) {
    active.delete(sub.id);
    if (!active.size) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(shutdown, idleMs);
    }
  }

  function shutdown() {
    const socket = current && current.socket;
    current = undefined;
    clearTimeout(watchdog);
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (socket) socket.close(1000, 'idle');
  }

  function failAll(error: Error) {
    const ended = Array.from(active.values());
    active.clear();
    recovering = false;
    shutdown();
    for (const sub of ended) sub.sinks.error(error);
  }

  function connect(session: Promise<StoredSession> = sessions.get()) {
    clearTimeout(retryTimer);
    retryTimer = 0;
    const connection: Connection = {};
    current = connection;
    session.then(
      (opened) => {
        if (current !== connection) return;
        connection.session = opened;
        watch(ackTimeoutMs, dead);
        connection.socket = transport(url, PROTOCOL, {
          // A socket given up before it opened (idle, dead) is closed now: WeChat may ignore a close before onOpen.
          open: () =>
            current === connection
              ? send({ type: 'connection_init', payload: { authorization: `Bearer ${opened.accessToken}` } })
              : connection.socket!.close(1000, 'idle'),
          message: (data) => current === connection && receive(connection, data),
          close: (code, reason) => current === connection && closed(connection, code, reason),
        });
      },
      (error: Error) => {
        if (current !== connection) return;
        current = undefined;
        if (error instanceof LoginError) return failAll(error);
        // No answer from the identity service (network): try again later, renewing afresh.
        recovering = false;
        retry();
      },
    );
  }

  function retry() {
    const delay = Math.min(maxRetryMs, retryMs * Math.pow(2, attempts++)) * (0.5 + Math.random() / 2);
    retryTimer = setTimeout(() => {
      retryTimer = 0;
      if (active.size) connect();
    }, delay);
  }

  /** No connection_ack or pong in time: the socket is as good as closed. */
  function dead() {
    const connection = current;
    if (!connection) return;
    closed(connection, 1006, 'no answer');
    if (connection.socket) connection.socket.close(1000, 'no answer');
  }

  function closed(connection: Connection, code: number, reason: string) {
    current = undefined;
    clearTimeout(watchdog);
    if (!active.size) return;
    if (code === TOKEN_REFUSED || code === SESSION_REVOKED) {
      if (recovering) return failAll(new SocketClosedError(code, reason));
      recovering = true;
      const refused = connection.session!;
      return connect(code === SESSION_REVOKED ? sessions.relogin(refused) : sessions.renew(refused));
    }
    if (isFatal(code)) return failAll(new SocketClosedError(code, reason));
    retry();
  }

  const ping = () => {
    send({ type: 'ping' });
    watch(pongTimeoutMs, dead);
  };

  function receive(connection: Connection, data: string) {
    let message: Message;
    try {
      message = JSON.parse(data) as Message;
    } catch {
      return;
    }
    const sub = message.id !== undefined ? active.get(message.id) : undefined;
    if (message.type === 'connection_ack') {
      connection.acked = true;
      attempts = 0;
      recovering = false;
      for (const each of Array.from(active.values())) start(each);
    }
    // Any message shows the socket alive: ping only after a quiet spell. (Before the sinks: one may throw.)
    if (connection.acked) watch(pingMs, ping);
    if (message.type === 'ping') {
      send({ type: 'pong' });
    } else if (sub && message.type === 'next') {
      sub.sinks.next(message.payload as GraphQLResult<unknown>);
    } else if (sub && message.type === 'error') {
      const errors = message.payload as GraphQLErrorShape[];
      const again = sub.switches < 2 ? resend(sub.document, sub.variables, sub.payload, errors) : undefined;
      if (again) {
        sub.switches++;
        sub.payload = again;
        start(sub);
      } else {
        end(sub);
        sub.sinks.error(new OperationError(errors));
      }
    } else if (sub && message.type === 'complete') {
      end(sub);
      if (sub.sinks.complete) sub.sinks.complete();
    }
  }

  return (document, variables, sinks) => {
    const sub: Active = { id: '', document, variables, sinks, payload: payload(document, variables), switches: 0 };
    clearTimeout(idleTimer);
    start(sub);
    if (!current && !retryTimer) connect();
    return () => {
      if (active.get(sub.id) !== sub) return;
      if (current && current.acked) send({ id: sub.id, type: 'complete' });
      end(sub);
    };
  };
}

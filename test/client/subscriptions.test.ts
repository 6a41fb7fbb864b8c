/**
 * subscribe() against graphql-ws 6's own server (the protocol the gateway speaks) over real sockets on
 * 127.0.0.1, through both socket transports: a standard WebSocket (the `ws` package) and wx.connectSocket
 * (a SocketTask shim over `ws`). Login and refresh are answered in memory, so each socket's token says
 * which session it was opened with.
 */
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createClient,
  memoryStorage,
  OperationError,
  SocketClosedError,
  subscribe,
  webSocketTransport,
  wxSocketTransport,
  type Client,
  type GraphQLResult,
  type SocketTransport,
  type Transport,
  type TypedDocument,
} from 'identity-federation-client';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { startSocketGateway, type Message, type SocketGateway } from './socket-gateway.js';
import { wxSockets } from './wx-sockets.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A document as codegen writes one: its text, and its hash when persisted documents are on. */
const document = <TResult, TVariables>(text: string, hashed = true): TypedDocument<TResult, TVariables> => ({
  toString: () => text,
  ...(hashed ? { __meta__: { hash: sha256(text) } } : {}),
});
const STOCK = 'subscription Stock($couponId: ID!) { stock(couponId: $couponId) { id remaining } }';
const StockDocument = document<{ stock: { id: string; remaining: number } }, { couponId: string }>(STOCK);
const CountdownDocument = document<{ countdown: number }, { from: number }>('subscription Countdown($from: Int!) { countdown(from: $from) }');

/** Short keep-alive, idle and backoff times, so each rule shows within a second. */
const TIMING = { pingMs: 150, pongTimeoutMs: 150, idleMs: 150, retryMs: 50, maxRetryMs: 200 };
const ACK_TIMEOUT_MS = 1000;

/** Login and refresh answered in memory: tokens access-1, access-2, ... in the order they are issued. */
function sessionService() {
  const calls = { login: 0, refreshSession: 0 };
  let issued = 0;
  const transport: Transport = async ({ body }) => {
    const field = 'refreshToken' in (JSON.parse(body) as { variables: object }).variables ? 'refreshSession' : 'login';
    calls[field]++;
    issued++;
    const session = { accessToken: `access-${issued}`, refreshToken: `refresh-${issued}`, expiresIn: 900, user: { id: 'ada' } };
    return { status: 200, body: { data: { [field]: session } } };
  };
  return { calls, transport };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  }
}

const TRANSPORTS: [string, () => SocketTransport][] = [
  ['a standard WebSocket', () => webSocketTransport(WebSocket)],
  ['wx.connectSocket', () => wxSocketTransport(wxSockets())],
];

describe.each(TRANSPORTS)('subscribe over %s', (_name, makeTransport) => {
  let gateway: SocketGateway;
  let proxy: TcpFaultProxy | undefined;
  const stops: (() => void)[] = [];
  beforeEach(async () => {
    gateway = await startSocketGateway();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await proxy?.close();
    proxy = undefined;
    await gateway.close();
  });

  function setup(endpoint = gateway.endpoint) {
    const sessions = sessionService();
    const transport = makeTransport();
    let opened = 0;
    const client = createClient({
      endpoint,
      appId: 'wx1000000000000001',
      transport: sessions.transport,
      storage: memoryStorage(),
      loginCode: async () => 'code',
      socket: (url, protocol, on) => {
        opened++;
        return transport(url, protocol, on);
      },
      subscriptions: TIMING,
      timeoutMs: ACK_TIMEOUT_MS,
    });
    /** `opens`: sockets the client opened (the gateway sees only those that get through). */
    return { client, calls: sessions.calls, opens: () => opened };
  }

  /** A subscription whose events, errors and completion the test reads. */
  function watch<TResult, TVariables>(client: Client, doc: TypedDocument<TResult, TVariables>, variables: TVariables) {
    const seen = { results: [] as GraphQLResult<TResult>[], errors: [] as Error[], completed: false, stop: () => undefined as void };
    seen.stop = subscribe(client, doc, variables, {
      next: (result) => seen.results.push(result),
      error: (error) => seen.errors.push(error),
      complete: () => void (seen.completed = true),
    });
    stops.push(seen.stop);
    return seen;
  }

  const sent = (index: number, type: string) => gateway.sockets[index]!.received.filter((message) => message.type === type);
  const remaining = (seen: { results: GraphQLResult<{ stock: { remaining: number } }>[] }) => seen.results.map((result) => result.data?.stock.remaining);

  it('opens one socket, on the first subscribe, for every subscription, with the session in connection_init', async () => {
    const { client, calls, opens } = setup();
    await sleep(100);
    expect([gateway.sockets.length, calls.login]).toEqual([0, 0]);
    const first = watch(client, StockDocument, { couponId: 'c1' });
    const second = watch(client, StockDocument, { couponId: 'c2' });
    await waitFor('both subscriptions run', () => gateway.subscribers('c1') === 1 && gateway.subscribers('c2') === 1);
    expect(gateway.sockets.length).toBe(1);
    expect(opens()).toBe(1);
    expect(calls.login).toBe(1);
    expect(gateway.sockets[0]!.authorization()).toBe('Bearer access-1');
    gateway.publish('c1', 5);
    gateway.publish('c2', 7);
    await waitFor('both events arrive', () => first.results.length === 1 && second.results.length === 1);
    expect(first.results).toEqual([{ data: { stock: { id: 'c1', remaining: 5 } } }]);
    expect(remaining(second)).toEqual([7]);
  });

  it('unsubscribing sends complete for that subscription; the socket closes once idle and the next subscribe opens another', async () => {
    const { client } = setup();
    const first = watch(client, StockDocument, { couponId: 'c1' });
    const second = watch(client, StockDocument, { couponId: 'c2' });
    await waitFor('both subscriptions run', () => gateway.subscribers('c1') === 1 && gateway.subscribers('c2') === 1);
    // The last subscribe for c1 (this gateway knows no hashes: the first went by hash, the one running as text).
    const firstId = sent(0, 'subscribe').findLast((message) => (message.payload?.variables as { couponId: string }).couponId === 'c1')!.id;
    first.stop();
    await waitFor('the gateway ends it', () => gateway.subscribers('c1') === 0);
    expect(sent(0, 'complete')).toEqual([{ type: 'complete', id: firstId }]);
    expect(gateway.subscribers('c2')).toBe(1);
    await sleep(TIMING.idleMs * 2);
    expect(gateway.sockets[0]!.closed()).toBe(false);
    second.stop();
    await waitFor('the idle socket closes', () => gateway.sockets[0]!.closed());
    watch(client, StockDocument, { couponId: 'c3' });
    await waitFor('a new socket runs it', () => gateway.subscribers('c3') === 1);
    expect(gateway.sockets.length).toBe(2);
  });

  it('passes events, a refusal and the gateway\u2019s complete to the right sinks, on one socket', async () => {
    const { client } = setup();
    const stock = watch(client, StockDocument, { couponId: 'c1' });
    const countdown = watch(client, CountdownDocument, { from: 3 });
    const invalid = watch(client, document<unknown, Record<string, never>>('subscription { nope }', false), {});
    await waitFor('the countdown completes', () => countdown.completed);
    expect(countdown.results.map((result) => result.data?.countdown)).toEqual([3, 2, 1]);
    await waitFor('the refusal arrives', () => invalid.errors.length === 1);
    expect(invalid.errors[0]).toBeInstanceOf(OperationError);
    expect((invalid.errors[0] as OperationError).errors[0]!.message).toMatch(/Cannot query field "nope"/);
    expect(invalid.completed).toBe(false);
    gateway.publish('c1', 4);
    await waitFor('the stock event arrives', () => stock.results.length === 1);
    expect(stock.errors).toEqual([]);
    expect(gateway.sockets.length).toBe(1);
  });

  it('after a drop, reconnects with the same session and subscribes again', async () => {
    const { client, calls } = setup();
    const seen = watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    gateway.closeAll(1001, 'going away');
    await waitFor('it runs on a new socket', () => gateway.sockets.length === 2 && gateway.subscribers('c1') === 1);
    expect(gateway.sockets[1]!.authorization()).toBe('Bearer access-1');
    expect(calls).toEqual({ login: 1, refreshSession: 0 });
    gateway.publish('c1', 9);
    await waitFor('the event arrives', () => seen.results.length === 1);
    expect(seen.errors).toEqual([]);
  });

  it('answers a protocol ping from the gateway with a pong, and pings a quiet gateway itself', async () => {
    const { client } = setup();
    watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    gateway.sockets[0]!.socket.send(JSON.stringify({ type: 'ping' }));
    await waitFor('a pong comes back', () => sent(0, 'pong').length === 1);
    await waitFor('the client pings', () => sent(0, 'ping').length >= 2);
    expect(gateway.sockets.length).toBe(1);
  });

  it('a socket that silently stops answering (no pong) is dropped and replaced, and the subscription goes on', async () => {
    proxy = await startTcpFaultProxy({ port: gateway.port });
    const { client, opens } = setup(`http://127.0.0.1:${proxy.port}/graphql`);
    const seen = watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    await waitFor('a ping is answered', () => sent(0, 'ping').length >= 1);
    proxy.hang(); // as a mini-program's socket after the app went to the background
    await waitFor('the client gives the socket up and opens another', () => opens() === 2);
    proxy.resume();
    await waitFor('it runs on a new socket', () => gateway.sockets.length === 2 && sent(1, 'subscribe').length === 1);
    await waitFor('its subscription is live', () => gateway.subscribers('c1') === 2); // the dead socket's stays until the gateway's keep-alive drops it
    gateway.publish('c1', 3);
    await waitFor('the event arrives', () => seen.results.length >= 1);
    await sleep(100);
    expect(remaining(seen)).toEqual([3]); // once: the abandoned socket's copy is ignored
    expect(seen.errors).toEqual([]);
  });

  it('4401 renews the session once and reconnects with the new token', async () => {
    const { client, calls } = setup();
    const seen = watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    gateway.closeAll(4401, 'TOKEN_EXPIRED');
    await waitFor('it runs on a new socket', () => gateway.sockets.length === 2 && gateway.subscribers('c1') === 1);
    expect(gateway.sockets[1]!.authorization()).toBe('Bearer access-2');
    expect(calls).toEqual({ login: 1, refreshSession: 1 });
    gateway.publish('c1', 2);
    await waitFor('the event arrives', () => seen.results.length === 1);
    expect(seen.errors).toEqual([]);
  });

  it('4403 forgets the session, logs in again once and reconnects', async () => {
    const { client, calls } = setup();
    const seen = watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    gateway.closeAll(4403, 'SESSION_REVOKED');
    await waitFor('it runs on a new socket', () => gateway.sockets.length === 2 && gateway.subscribers('c1') === 1);
    expect(gateway.sockets[1]!.authorization()).toBe('Bearer access-2');
    expect(calls).toEqual({ login: 2, refreshSession: 0 });
    gateway.publish('c1', 1);
    await waitFor('the event arrives', () => seen.results.length === 1);
  });

  it.each([
    [4401, 'TOKEN_INVALID', { login: 1, refreshSession: 1 }],
    [4403, 'SESSION_REVOKED', { login: 2, refreshSession: 0 }],
  ])('a second %i right after the recovery ends every subscription with SocketClosedError, without a loop', async (code, reason, expectedCalls) => {
    const { client, calls } = setup();
    const first = watch(client, StockDocument, { couponId: 'c1' });
    const second = watch(client, StockDocument, { couponId: 'c2' });
    await waitFor('both run', () => gateway.subscribers('c1') === 1 && gateway.subscribers('c2') === 1);
    gateway.refuse = () => [code, reason];
    gateway.closeAll(code, reason);
    await waitFor('both end', () => first.errors.length === 1 && second.errors.length === 1);
    for (const error of [first.errors[0], second.errors[0]]) {
      expect(error).toBeInstanceOf(SocketClosedError);
      expect([(error as SocketClosedError).code, (error as SocketClosedError).reason]).toEqual([code, reason]);
    }
    await sleep(500);
    expect(gateway.sockets.length).toBe(2);
    expect(calls).toEqual(expectedCalls);
    // A later subscribe starts afresh.
    gateway.refuse = () => undefined;
    watch(client, StockDocument, { couponId: 'c3' });
    await waitFor('it runs', () => gateway.subscribers('c3') === 1);
  });

  it('a close that retrying cannot fix (4429) ends every subscription at once, without reconnecting', async () => {
    const { client } = setup();
    const seen = watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    gateway.closeAll(4429, 'Too many initialisation requests');
    await waitFor('it ends', () => seen.errors.length === 1);
    expect((seen.errors[0] as SocketClosedError).code).toBe(4429);
    await sleep(300);
    expect(gateway.sockets.length).toBe(1);
  });

  it('sends a document by its hash, and by its text alone when the gateway answers PERSISTED_QUERY_NOT_FOUND (and from then on)', async () => {
    const { client } = setup();
    const seen = watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    const [byHash, byText] = sent(0, 'subscribe').map((message) => message.payload!);
    expect(byHash).toEqual({ variables: { couponId: 'c1' }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(STOCK) } } });
    expect(byText).toEqual({ query: STOCK, variables: { couponId: 'c1' } });
    gateway.publish('c1', 6);
    await waitFor('the event arrives', () => seen.results.length === 1);
    expect(seen.errors).toEqual([]);
    watch(client, StockDocument, { couponId: 'c2' });
    await waitFor('the second runs', () => gateway.subscribers('c2') === 1);
    expect(sent(0, 'subscribe').map((message: Message) => 'query' in message.payload!)).toEqual([false, true, true]);
  });

  it('a gateway that knows the hash runs the subscription from the hash alone', async () => {
    gateway.persisted.set(sha256(STOCK), STOCK);
    const { client } = setup();
    const seen = watch(client, StockDocument, { couponId: 'c1' });
    await waitFor('it runs', () => gateway.subscribers('c1') === 1);
    expect(sent(0, 'subscribe').map((message) => message.payload)).toEqual([
      { variables: { couponId: 'c1' }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(STOCK) } } },
    ]);
    gateway.publish('c1', 8);
    await waitFor('the event arrives', () => seen.results.length === 1);
  });
});

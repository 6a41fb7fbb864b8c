/**
 * A subgraph built with the kit serves subscriptions over WebSocket (`graphql-transport-ws`), verifying the
 * gateway's identity per subscription: the `connection_init` payload's `x-identity` against the exact text
 * of the `subscribe` frame that follows. Real servers on port 0, a raw `ws` client speaking the protocol.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  IDENTITY_HEADER,
  IDENTITY_REFUSAL,
  IDENTITY_TTL_SECONDS,
  REQUEST_ID_HEADER,
  encodeClaims,
  identityKey,
  loadTypeDefs,
  signEncodedIdentity,
  startMerchantService,
  startSubgraph,
  type IdentityClaims,
  type MerchantContext,
  type RunningHttpServer,
  type SubscriptionSocketSettings,
} from '@identity-federation-gateway/subgraph-kit';
import { ACCIDENT, DELIBERATE, teaRoom } from '../fixtures/tea-room/subgraph.js';

const SECRET = 'teashop-subgraph-secret-0001';
const SUBGRAPH = 'teashop';
const OPEN_ID = 'oTeashopOpenIdOfTheViewer000';
const PROTOCOL = 'graphql-transport-ws';
const CUPS = 'subscription { cupPoured { number pouredFor } }';
/** What the design (notes/21-design.md, section 2) says a refusal's `error` payload is, to the byte. */
const REFUSAL_PAYLOAD = '[{"message":"The injected identity is missing, forged or stale.","extensions":{"code":"IDENTITY_SIGNATURE_INVALID"}}]';

const now = () => Math.floor(Date.now() / 1000);
const claimsNow = (overrides: Partial<IdentityClaims> = {}): IdentityClaims => ({
  v: 1,
  sg: SUBGRAPH,
  iat: now(),
  exp: now() + IDENTITY_TTL_SECONDS,
  mid: 'teashop',
  app: 'wx6000000000000001',
  oid: OPEN_ID,
  psu: 'u_pseudonym-of-the-viewer',
  ...overrides,
});
const subscribeFrame = (id: string, query = CUPS, variables?: Record<string, unknown>) =>
  JSON.stringify({ id, type: 'subscribe', payload: { query, ...(variables ? { variables } : {}) } });
/** The gateway's `connection_init` payload for one subscription: its identity signed over that subscribe frame. */
const identityFor = (frame: string, claims = claimsNow(), secret = SECRET) => ({
  [IDENTITY_HEADER]: signEncodedIdentity(identityKey(secret), encodeClaims(claims), frame),
  [REQUEST_ID_HEADER]: 'req-socket-1',
});

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A raw graphql-transport-ws peer: sends frames as given, and hands over what arrives in order. */
class Peer {
  private readonly inbox: Message[] = [];
  private readonly waiting: ((message: Message) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      const waiter = this.waiting.shift();
      if (waiter) waiter(message);
      else this.inbox.push(message);
    });
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens a socket offering `protocol` (null: none). */
  static async open(server: RunningHttpServer, options: { protocol?: string | null; autoPong?: boolean } = {}): Promise<Peer> {
    const protocols = options.protocol === null ? [] : [options.protocol ?? PROTOCOL];
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), protocols, { autoPong: options.autoPong ?? true });
    const peer = new Peer(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return peer;
  }

  /** Opens a socket and completes `connection_init` with this payload. */
  static async connected(server: RunningHttpServer, payload?: Record<string, unknown>): Promise<Peer> {
    const peer = await Peer.open(server);
    peer.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
    expect(await peer.receive()).toEqual({ type: 'connection_ack' });
    return peer;
  }

  send(frame: string): void {
    this.socket.send(frame);
  }

  receive(timeoutMs = 3000): Promise<Message> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message arrived')), timeoutMs);
      this.waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }

  /** The socket still answers: a protocol ping gets its pong. */
  async answers(): Promise<boolean> {
    this.send('{"type":"ping"}');
    return (await this.receive()).type === 'pong';
  }

  close(): void {
    this.socket.close();
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 3000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Logged {
  level: string;
  message: string;
  [field: string]: unknown;
}

/** The tea room served by startMerchantService, with its log lines kept. */
async function startTeaRoom(subscriptions?: SubscriptionSocketSettings | false) {
  const room = teaRoom();
  const logs: Logged[] = [];
  const log = (level: string) => (fields: object, message: string) => logs.push({ ...fields, level, message });
  const server = await startMerchantService<MerchantContext>({
    merchantId: 'teashop',
    subgraphName: SUBGRAPH,
    typeDefs: room.typeDefs,
    resolvers: room.resolvers,
    identitySecret: SECRET,
    extendContext: (base) => base,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    subscriptions,
  });
  return { room, logs, server };
}

describe('subscriptions over a socket, identity per subscription', () => {
  let tea: Awaited<ReturnType<typeof startTeaRoom>>;
  const peers: Peer[] = [];
  const connect = async (payload?: Record<string, unknown>) => {
    const peer = await Peer.connected(tea.server, payload);
    peers.push(peer);
    return peer;
  };

  beforeAll(async () => {
    tea = await startTeaRoom();
  });
  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await until(() => tea.room.watching() === 0, 'every subscription of the test has ended');
    tea.logs.length = 0;
  });
  afterAll(() => tea.server.close());

  it("gets the events of a signed subscription, its resolvers seeing the viewer's OpenID in ctx.viewer", async () => {
    const frame = subscribeFrame('1');
    const peer = await connect(identityFor(frame));
    peer.send(frame);
    await until(() => tea.room.watching() === 1, 'the subscription is live');
    tea.room.pour();
    tea.room.pour();
    const events = [await peer.receive(), await peer.receive()];
    expect(events.map((event) => event.payload)).toEqual([
      { data: { cupPoured: expect.objectContaining({ pouredFor: OPEN_ID }) } },
      { data: { cupPoured: expect.objectContaining({ pouredFor: OPEN_ID }) } },
    ]);
    expect(events.every((event) => event.type === 'next' && event.id === '1')).toBe(true);
  });

  it('serves an anonymous socket (no x-identity): its subscriptions run with no viewer', async () => {
    const peer = await connect({ [REQUEST_ID_HEADER]: 'req-anonymous' });
    peer.send(subscribeFrame('a'));
    peer.send(subscribeFrame('b'));
    await until(() => tea.room.watching() === 2, 'both subscriptions are live');
    tea.room.pour();
    const events = [await peer.receive(), await peer.receive()];
    expect(events.map((event) => [event.id, event.payload]).sort()).toEqual([
      ['a', { data: { cupPoured: expect.objectContaining({ pouredFor: null }) } }],
      ['b', { data: { cupPoured: expect.objectContaining({ pouredFor: null }) } }],
    ]);
    const noPayload = await connect();
    noPayload.send(subscribeFrame('c'));
    await until(() => tea.room.watching() === 3, 'a subscription without any connection_init payload is live');
  });

  /** A subscription the kit must refuse: what the gateway would never send. */
  const refusals: { name: string; reason: string; start(): Promise<Peer>; refusedId?: string; liveAfter?: number }[] = [
    {
      name: 'a MAC made with another secret (forged)',
      reason: 'BAD_SIGNATURE',
      start: async () => {
        const frame = subscribeFrame('1');
        const peer = await connect(identityFor(frame, claimsNow(), 'a-secret-this-subgraph-does-not-accept'));
        peer.send(frame);
        return peer;
      },
    },
    {
      name: 'a second subscribe on an identified socket (the MAC covers the first frame only)',
      reason: 'BAD_SIGNATURE',
      refusedId: '2',
      liveAfter: 1,
      start: async () => {
        const signed = subscribeFrame('1');
        const peer = await connect(identityFor(signed));
        peer.send(signed);
        await until(() => tea.room.watching() === 1, 'the signed subscription is live');
        peer.send(subscribeFrame('2'));
        return peer;
      },
    },
    {
      name: 'the signed subscribe sent with other spacing (the MAC covers the exact text, not the JSON value)',
      reason: 'BAD_SIGNATURE',
      start: async () => {
        const signed = subscribeFrame('1');
        const peer = await connect(identityFor(signed));
        peer.send(JSON.stringify(JSON.parse(signed), null, 1));
        return peer;
      },
    },
    {
      name: 'claims for another subgraph',
      reason: 'WRONG_SUBGRAPH',
      start: async () => {
        const frame = subscribeFrame('1');
        const peer = await connect(identityFor(frame, claimsNow({ sg: 'coupons' })));
        peer.send(frame);
        return peer;
      },
    },
    {
      name: 'expired claims',
      reason: 'EXPIRED',
      start: async () => {
        const frame = subscribeFrame('1');
        const peer = await connect(identityFor(frame, claimsNow({ iat: now() - 100, exp: now() - 70 })));
        peer.send(frame);
        return peer;
      },
    },
    {
      name: 'another x-identity* key beside a signed x-identity',
      reason: 'EXTRA_IDENTITY_HEADER',
      start: async () => {
        const frame = subscribeFrame('1');
        const peer = await connect({ ...identityFor(frame), 'x-identity-openid': 'oForged' });
        peer.send(frame);
        return peer;
      },
    },
    {
      name: 'an x-identity* key alone, which must not pass as anonymous',
      reason: 'EXTRA_IDENTITY_HEADER',
      start: async () => {
        const peer = await connect({ 'X-Identity-Claims': encodeClaims(claimsNow()) });
        peer.send(subscribeFrame('1'));
        return peer;
      },
    },
    {
      name: 'x-identity as an array, even of the one valid value',
      reason: 'DUPLICATE_IDENTITY_HEADER',
      start: async () => {
        const frame = subscribeFrame('1');
        const identity = identityFor(frame);
        const peer = await connect({ ...identity, [IDENTITY_HEADER]: [identity[IDENTITY_HEADER]] });
        peer.send(frame);
        return peer;
      },
    },
    {
      name: 'x-identity twice, under two spellings of the key',
      reason: 'DUPLICATE_IDENTITY_HEADER',
      start: async () => {
        const frame = subscribeFrame('1');
        const identity = identityFor(frame);
        const peer = await connect({ ...identity, 'X-Identity': identity[IDENTITY_HEADER] });
        peer.send(frame);
        return peer;
      },
    },
  ];

  it.each(refusals.map((refusal) => [refusal.name, refusal] as const))(
    'refuses %s with the fixed error, the reason only in the log',
    async (_name, refusal) => {
      const peer = await refusal.start();
      expect(await peer.receive()).toEqual({ id: refusal.refusedId ?? '1', type: 'error', payload: JSON.parse(REFUSAL_PAYLOAD) });
      // Nothing of a refused subscription ran.
      expect(tea.room.watching()).toBe(refusal.liveAfter ?? 0);
      const refused = tea.logs.filter((line) => line.message === 'refused an injected identity');
      expect(refused).toEqual([expect.objectContaining({ level: 'warn', reason: refusal.reason, requestId: expect.any(String) })]);
      // The log never holds the header or what it claims.
      expect(JSON.stringify(tea.logs)).not.toMatch(new RegExp(`${OPEN_ID}|oForged|eyJ`));
      // A refusal ends that subscription only: the socket stays up.
      expect(await peer.answers()).toBe(true);
    },
  );

  it('names a refusal in the log with the x-request-id from connection_init', async () => {
    await refusals[0]!.start().then((peer) => peer.receive());
    expect(tea.logs).toContainEqual(expect.objectContaining({ message: 'refused an injected identity', requestId: 'req-socket-1' }));
  });

  it('sends exactly the refusal payload of the design, and exports it', async () => {
    const peer = await refusals[0]!.start();
    const raw = await new Promise<string>((resolve) => peer.socket.once('message', (data) => resolve(String(data))));
    expect(raw).toBe(`{"id":"1","type":"error","payload":${REFUSAL_PAYLOAD}}`);
    expect(JSON.stringify(IDENTITY_REFUSAL)).toBe(REFUSAL_PAYLOAD);
  });

  describe('masks errors in events by the public-error rule, as over HTTP', () => {
    const spill = async (spill: string) => {
      const frame = subscribeFrame('s', 'subscription($spill: Spill!) { spilledCup(spill: $spill) { number } }', { spill });
      const peer = await connect(identityFor(frame));
      peer.send(frame);
      return peer;
    };
    const masked = { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    const loggedAccident = () =>
      expect(tea.logs).toContainEqual(
        expect.objectContaining({ level: 'error', message: 'unexpected error masked for the client', requestId: 'req-socket-1', err: expect.any(Error) }),
      );

    it("keeps a resolver's deliberate error in an event, without its stack", async () => {
      const peer = await spill('DELIBERATE_IN_EVENT');
      await until(() => tea.room.watching() === 1, 'the subscription is live');
      tea.room.pour();
      expect(await peer.receive()).toEqual({
        id: 's',
        type: 'next',
        payload: {
          data: null,
          errors: [{ message: DELIBERATE.message, path: ['spilledCup'], locations: expect.any(Array), extensions: { code: DELIBERATE.code } }],
        },
      });
      expect(tea.logs.filter((line) => line.level === 'error')).toEqual([]);
    });

    it("masks a resolver's accident in an event, and logs it with the request id", async () => {
      const peer = await spill('ACCIDENT_IN_EVENT');
      await until(() => tea.room.watching() === 1, 'the subscription is live');
      tea.room.pour();
      const event = await peer.receive();
      expect(event).toEqual({ id: 's', type: 'next', payload: { data: null, errors: [{ ...masked, path: ['spilledCup'], locations: expect.any(Array) }] } });
      expect(JSON.stringify(event)).not.toContain('kettle');
      loggedAccident();
    });

    it('masks an accident when the subscription starts', async () => {
      const peer = await spill('ACCIDENT_AT_START');
      const event = await peer.receive();
      expect(event).toEqual({ id: 's', type: 'next', payload: { errors: [{ ...masked, path: ['spilledCup'], locations: expect.any(Array) }] } });
      expect(JSON.stringify(event)).not.toContain('kettle');
      expect(await peer.receive()).toEqual({ id: 's', type: 'complete' });
      loggedAccident();
    });

    it('keeps a deliberate error and masks an accident thrown by the event stream itself', async () => {
      const deliberate = await spill('DELIBERATE_IN_STREAM');
      expect(await deliberate.receive()).toEqual({ id: 's', type: 'error', payload: [{ message: DELIBERATE.message, extensions: { code: DELIBERATE.code } }] });
      const accident = await spill('ACCIDENT_IN_STREAM');
      const answer = await accident.receive();
      expect(answer).toEqual({ id: 's', type: 'error', payload: [masked] });
      expect(JSON.stringify(answer)).not.toContain('kettle');
      expect(ACCIDENT).toContain('kettle');
      loggedAccident();
    });

    it('answers a subscribe that does not parse or validate with an error message for it, and the socket stays up', async () => {
      const peer = await connect();
      peer.send(subscribeFrame('p', 'subscription { cupPoured {'));
      expect(await peer.receive()).toEqual({
        id: 'p',
        type: 'error',
        payload: [{ message: expect.stringContaining('Syntax Error'), locations: expect.any(Array), extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
      });
      peer.send(subscribeFrame('v', 'subscription { cupPoured { teaLeaves } }'));
      expect(await peer.receive()).toEqual({
        id: 'v',
        type: 'error',
        payload: [{ message: expect.stringContaining('teaLeaves'), locations: expect.any(Array), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
      });
      expect(await peer.answers()).toBe(true);
      expect(tea.logs.filter((line) => line.level === 'error')).toEqual([]);
    });
  });

  it('answers a protocol ping with a pong', async () => {
    const peer = await connect();
    peer.send('{"type":"ping"}');
    expect(await peer.receive()).toEqual({ type: 'pong' });
  });

  it('ends the event stream when the client completes the subscription', async () => {
    const peer = await connect();
    peer.send(subscribeFrame('1'));
    await until(() => tea.room.watching() === 1, 'the subscription is live');
    peer.send('{"id":"1","type":"complete"}');
    await until(() => tea.room.watching() === 0, 'the event stream has ended');
  });

  it('ends the event streams of a socket that closes', async () => {
    const peer = await connect();
    peer.send(subscribeFrame('1'));
    peer.send(subscribeFrame('2'));
    await until(() => tea.room.watching() === 2, 'both subscriptions are live');
    peer.close();
    await until(() => tea.room.watching() === 0, 'the event streams have ended');
  });

  it('speaks graphql-transport-ws only: another subprotocol is not agreed, and a socket without one is closed (4406)', async () => {
    await expect(Peer.open(tea.server, { protocol: 'graphql-ws' })).rejects.toThrow('Server sent no subprotocol');
    const peer = await Peer.open(tea.server, { protocol: null });
    expect(await peer.closed).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' });
  });
});

describe('the socket bounds', () => {
  const started: RunningHttpServer[] = [];
  afterAll(() => Promise.all(started.map((server) => server.close())));
  const start = async (settings: SubscriptionSocketSettings) => {
    const tea = await startTeaRoom(settings);
    started.push(tea.server);
    return tea;
  };

  it('closes a socket without connection_init in time (4408)', async () => {
    const { server } = await start({ connectionInitTimeoutMs: 150 });
    const peer = await Peer.open(server);
    expect(await peer.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });

  it('closes a socket whose message is larger than maxPayloadBytes (1009)', async () => {
    const { server } = await start({ maxPayloadBytes: 1024 });
    const peer = await Peer.connected(server);
    expect(await peer.answers()).toBe(true);
    peer.send(subscribeFrame('1', `${CUPS} # ${'x'.repeat(1024)}`));
    expect((await peer.closed).code).toBe(1009);
  });

  it('drops a peer that does not answer WebSocket pings', async () => {
    const { server } = await start({ keepAliveMs: 100 });
    const silent = await Peer.open(server, { autoPong: false });
    const answering = await Peer.open(server);
    // Terminated without a close frame: the peer sees an abnormal closure.
    expect((await silent.closed).code).toBe(1006);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    answering.close();
  });
});

describe('shutdown', () => {
  it('closes every socket with 1001 and ends their subscriptions', async () => {
    const { server, room } = await startTeaRoom();
    const frame = subscribeFrame('1');
    const identified = await Peer.connected(server, identityFor(frame));
    identified.send(frame);
    const anonymous = await Peer.connected(server);
    anonymous.send(subscribeFrame('1'));
    await until(() => room.watching() === 2, 'both subscriptions are live');
    const idle = await Peer.open(server);
    await server.close();
    for (const peer of [identified, anonymous, idle]) expect((await peer.closed).code).toBe(1001);
    await until(() => room.watching() === 0, 'the subscriptions have ended');
  });
});

describe('when sockets are served', () => {
  const upgradeStatus = (server: RunningHttpServer) =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(server.url.replace(/^http/, 'ws'), PROTOCOL);
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('error', reject);
    });

  it('serves them when the schema has a Subscription type, refuses upgrades (404) when it has none or they are turned off', async () => {
    const withSubscriptions = await startTeaRoom();
    const turnedOff = await startTeaRoom(false);
    const withoutSubscriptions = await startSubgraph<{ requestId: string }>({
      name: SUBGRAPH,
      typeDefs: loadTypeDefs(new URL('../fixtures/teashop/schema.graphql', import.meta.url)),
      resolvers: { Query: { teaMenu: () => ['oolong'] } },
      identitySecret: SECRET,
      context: (_claims, requestId) => ({ requestId }),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    try {
      expect(await upgradeStatus(withSubscriptions.server)).toBe(101);
      expect(await upgradeStatus(turnedOff.server)).toBe(404);
      expect(await upgradeStatus(withoutSubscriptions)).toBe(404);
    } finally {
      await Promise.all([withSubscriptions.server.close(), turnedOff.server.close(), withoutSubscriptions.close()]);
    }
  });
});

describe("the kit README's socket section", () => {
  const readme = readFileSync(fileURLToPath(new URL('../../packages/subgraph-kit/README.md', import.meta.url)), 'utf8');
  const start = readme.indexOf('\n## Subscriptions: the identity over a socket\n');
  const sockets = readme.slice(start, readme.indexOf('\n## ', start + 1));

  it('exists, and shows the refusal payload the kit sends', () => {
    expect(start).toBeGreaterThan(0);
    const shown = /```json\n([\s\S]*?)\n```/.exec(sockets)![1]!;
    expect(JSON.parse(shown)).toEqual(JSON.parse(REFUSAL_PAYLOAD));
    expect(sockets).toContain('`refused an injected identity`');
  });

  it('states the default bounds the kit has', () => {
    expect(sockets).toContain('64 KiB');
    expect(sockets).toContain('3 s');
    expect(sockets).toContain('12 s');
    expect(sockets).toContain('1001');
  });
});

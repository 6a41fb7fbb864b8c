/**
 * A stand-in for the gateway's socket endpoint, for the client's subscription tests: graphql-ws 6's own
 * server (`useServer`) on 127.0.0.1 at /graphql, with a tiny schema whose events the test publishes. It
 * resolves documents as the gateway does (a hash it knows becomes its text, one it does not is answered
 * PERSISTED_QUERY_NOT_FOUND), refuses `connection_init` with the close code the test chooses, and records
 * what each socket sent.
 */
import { EventEmitter, on } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';

// graphql-ws (an external package to Vitest) runs on graphql's CommonJS build: build the schema with that copy.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const { GraphQLError, GraphQLID, GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } = graphql;

export interface Message {
  type: string;
  id?: string;
  payload?: { query?: string; variables?: unknown; extensions?: { persistedQuery?: { sha256Hash?: string } }; authorization?: string };
}

export interface GatewaySocket {
  /** Every message the client sent on it, in order. */
  received: Message[];
  /** The `authorization` of its connection_init. */
  authorization(): string | undefined;
  closed(): boolean;
  socket: WebSocket;
}

export interface SocketGateway {
  /** The HTTP endpoint a client is configured with (its socket URL follows from it). */
  endpoint: string;
  port: number;
  /** Every socket a client opened, in order. */
  sockets: GatewaySocket[];
  /** How connection_init is answered: undefined acknowledges, a [code, reason] closes the socket. */
  refuse: (authorization: string | undefined) => [number, string] | undefined;
  /** Hash → text of the documents it runs by hash. */
  persisted: Map<string, string>;
  /** Emits a stock change to the subscribers of that coupon. */
  publish(couponId: string, remaining: number): void;
  /** Open upstream subscriptions to a coupon's stock. */
  subscribers(couponId: string): number;
  /** Closes every open socket from the server's side. */
  closeAll(code: number, reason: string): void;
  close(): Promise<void>;
}

const couponType = new GraphQLObjectType({
  name: 'Coupon',
  fields: { id: { type: new GraphQLNonNull(GraphQLID) }, remaining: { type: new GraphQLNonNull(GraphQLInt) } },
});

export async function startSocketGateway(): Promise<SocketGateway> {
  const events = new EventEmitter();
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'hello' } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        stock: {
          type: new GraphQLNonNull(couponType),
          args: { couponId: { type: new GraphQLNonNull(GraphQLID) } },
          subscribe: (_root, args: { couponId: string }) => on(events, args.couponId),
          resolve: (event: unknown) => (event as unknown[])[0], // events.on() yields each emit's arguments
        },
        countdown: {
          type: new GraphQLNonNull(GraphQLInt),
          args: { from: { type: new GraphQLNonNull(GraphQLInt) } },
          subscribe: async function* (_root, args: { from: number }) {
            for (let n = args.from; n > 0; n--) yield n;
          },
          resolve: (n: unknown) => n,
        },
      },
    }),
  });

  const server = createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const sockets: GatewaySocket[] = [];
  const persisted = new Map<string, string>();
  wss.on('connection', (socket) => {
    const received: Message[] = [];
    let closed = false;
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as Message));
    socket.on('close', () => void (closed = true));
    sockets.push({
      received,
      socket,
      closed: () => closed,
      authorization: () => received.find((message) => message.type === 'connection_init')?.payload?.authorization,
    });
  });
  const gateway: SocketGateway = {
    endpoint: '',
    port: 0,
    sockets,
    persisted,
    refuse: () => undefined,
    publish: (couponId, remaining) => void events.emit(couponId, { id: couponId, remaining }),
    subscribers: (couponId) => events.listenerCount(couponId),
    closeAll(code, reason) {
      for (const { socket } of sockets) if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  useServer(
    {
      schema,
      // The gateway's document step, before graphql-ws (which wants a `query`) sees the message.
      jsonMessageReviver(key: string, value: Message) {
        if (key !== '' || value.type !== 'subscribe' || typeof value.payload?.query === 'string') return value;
        const hash = value.payload?.extensions?.persistedQuery?.sha256Hash;
        return { ...value, payload: { ...value.payload, query: (hash && persisted.get(hash)) ?? '' } };
      },
      onConnect(context) {
        const refusal = gateway.refuse((context.connectionParams as { authorization?: string } | undefined)?.authorization);
        if (!refusal) return true;
        context.extra.socket.close(...refusal);
        return false;
      },
      onSubscribe(_context, _id, payload) {
        if (payload.query === '') return [new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })];
        return undefined;
      },
    },
    wss,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway.port = (server.address() as AddressInfo).port;
  gateway.endpoint = `http://127.0.0.1:${gateway.port}/graphql`;
  return gateway;
}

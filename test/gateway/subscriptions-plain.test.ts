/**
 * Federated subscriptions on a plain gateway (no platform config, no identities): a subscription whose
 * root field one subgraph serves over graphql-transport-ws, selecting a field another subgraph adds to
 * the entity, is planned by Apollo's query planner and completed per event with a fetch to the other
 * subgraph. Identical anonymous subscriptions share one upstream subscription; a subscription over HTTP
 * is refused with where to send it.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startGateway } from '../../gateway/gateway-server.js';
import { createLogger } from '../../platform/logger.js';
import { composeSupergraph } from '../../schema/compose-supergraph.js';
import { startForeignSubgraph, type ForeignSubgraph } from '../support/foreign-subgraph.js';

// The graphql instance @apollo/subgraph (CommonJS) builds schemas with.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const TICKS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Tick @key(fields: "id") { id: ID! n: Int! }
  type Query { lastTick: Tick }
  type Subscription { ticks(from: Int!): Tick! }
`;
const LABELS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Tick @key(fields: "id") { id: ID! label: String! }
  type Query { labelsVersion: Int! }
`;

/** The ticks subgraph: `ticks` emits whenever the test calls `emit`, over graphql-ws on its own server. */
async function startTicks() {
  const listeners = new Set<(n: number) => void>();
  let subscriptions = 0;
  const schema = buildSubgraphSchema({
    typeDefs: graphql.parse(TICKS_SDL),
    resolvers: {
      Query: { lastTick: () => null },
      Subscription: {
        ticks: {
          subscribe: (_root: unknown, args: { from: number }) => {
            subscriptions++;
            const queue: number[] = [];
            let wake: (() => void) | undefined;
            const listener = (n: number) => {
              if (n < args.from) return;
              queue.push(n);
              wake?.();
            };
            listeners.add(listener);
            const iterator: AsyncIterableIterator<{ ticks: { id: string; n: number } }> = {
              async next() {
                while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
                const n = queue.shift()!;
                return { done: false, value: { ticks: { id: `t${n}`, n } } };
              },
              async return() {
                listeners.delete(listener);
                wake?.();
                return { done: true, value: undefined };
              },
              [Symbol.asyncIterator]() {
                return iterator;
              },
            };
            return iterator;
          },
        },
      },
    } as never,
  });
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const serving = useServer({ schema, execute: graphql.execute as never, subscribe: graphql.subscribe as never }, wss);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    emit: (n: number) => listeners.forEach((listener) => listener(n)),
    listeners: () => listeners.size,
    subscriptions: () => subscriptions,
    close: async () => {
      await serving.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let ticks: Awaited<ReturnType<typeof startTicks>>;
let labels: ForeignSubgraph;
let gateway: Awaited<ReturnType<typeof startGateway>>;
const clients: Client[] = [];

const wsUrl = () => gateway.url.replace('http:', 'ws:');

function client(): Client {
  const made = createClient({ url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  clients.push(made);
  return made;
}

/** Subscribes and collects results; `until` resolves once `count` results arrived. */
function collect(on: Client, query: string, variables: Record<string, unknown>, count: number) {
  const results: unknown[] = [];
  let dispose = () => {};
  const done = new Promise<unknown[]>((resolve, reject) => {
    dispose = on.subscribe(
      { query, variables },
      {
        next: (value) => {
          results.push(value);
          if (results.length === count) resolve(results);
        },
        error: reject,
        complete: () => resolve(results),
      },
    );
  });
  return { results, done, dispose: () => dispose() };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  ticks = await startTicks();
  labels = await startForeignSubgraph(LABELS_SDL, {
    Query: { labelsVersion: () => 1 },
    Tick: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, label: `label of ${ref.id}` }) },
  } as never);
  const supergraphSdl = composeSupergraph([
    { name: 'ticks', routingUrl: ticks.url, sdl: TICKS_SDL, schemaFile: 'ticks.graphql' },
    { name: 'labels', routingUrl: labels.url, sdl: LABELS_SDL, schemaFile: 'labels.graphql' },
  ]);
  gateway = await startGateway({ supergraphSdl, logger: createLogger('test', 'silent') });
});

afterAll(async () => {
  for (const made of clients) await made.dispose();
  await gateway?.close();
  await ticks?.close();
  await labels?.close();
});

describe('subscriptions on a plain gateway', () => {
  it('plans the primary fetch on the owning subgraph and completes each event with the other subgraph', async () => {
    const received = collect(client(), 'subscription($from: Int!) { ticks(from: $from) { n label } }', { from: 1 }, 2);
    await until(() => ticks.listeners() === 1, 'the upstream subscription');
    const labelFetches = labels.received.length;
    ticks.emit(1);
    ticks.emit(2);
    expect(await received.done).toEqual([{ data: { ticks: { n: 1, label: 'label of t1' } } }, { data: { ticks: { n: 2, label: 'label of t2' } } }]);
    expect(labels.received.length - labelFetches).toBe(2);
    received.dispose();
    await until(() => ticks.listeners() === 0, 'the upstream subscription to end');
  });

  it('shares one upstream subscription and one execution per event among identical anonymous subscriptions', async () => {
    const before = ticks.subscriptions();
    const query = 'subscription($from: Int!) { ticks(from: $from) { n label } }';
    const many = Array.from({ length: 5 }, () => collect(client(), query, { from: 10 }, 1));
    await until(() => ticks.listeners() === 1, 'one upstream subscription');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ticks.subscriptions() - before).toBe(1);
    const labelFetches = labels.received.length;
    ticks.emit(10);
    for (const one of many) expect(await one.done).toEqual([{ data: { ticks: { n: 10, label: 'label of t10' } } }]);
    expect(labels.received.length - labelFetches).toBe(1);
    many.forEach((one) => one.dispose());
    await until(() => ticks.listeners() === 0, 'the shared upstream subscription to end');
  });

  it('refuses a subscription sent over HTTP, saying where it runs', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: 'subscription { ticks(from: 1) { n } }' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]!.message).toMatch(/WebSocket/);
  });

  it('answers a query sent on the socket with one result', async () => {
    const received = collect(client(), '{ labelsVersion }', {}, 1);
    expect(await received.done).toEqual([{ data: { labelsVersion: 1 } }]);
  });
});

/**
 * The gateway takes a new supergraph without a restart: from a watched file or a polled URL, switched
 * between requests (no request fails under load, a request in flight finishes on the old plan), and an
 * invalid supergraph is refused with a log line and a metric while the old one keeps serving.
 */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { startGateway } from '../../gateway/gateway-server.js';
import { ReloadingSupergraph, type SupergraphOrigin } from '../../gateway/supergraph-source.js';
import type { RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';
import { createLogger } from '../../platform/logger.js';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const closers: (() => Promise<unknown>)[] = [];
let subgraphUrl: string;
/** Resolves the `slow` field currently waiting, if any. */
let releaseSlow: () => void = () => {};
let slowStarted: Promise<void>;
let markSlowStarted: () => void;

beforeAll(async () => {
  // The subgraph serves every field any supergraph version routes to it.
  const subgraph = await startLeanSubgraph(parse(`${LINK}\ntype Query { hello: String! slow: String! added: String! }`), {
    Query: {
      hello: async () => (await sleep(2), 'hi'),
      added: () => 'new',
      slow: async () => {
        markSlowStarted();
        await new Promise<void>((resolve) => (releaseSlow = resolve));
        return 'finished';
      },
    },
  });
  subgraphUrl = subgraph.url;
  closers.push(subgraph.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** A supergraph with one subgraph whose Query has `fields`. */
function supergraph(fields: string): string {
  const result = composeServices([{ name: 'greetings', url: subgraphUrl, typeDefs: parse(`${LINK}\ntype Query { ${fields} }`) }]);
  if (!result.supergraphSdl) throw new Error(String(result.errors));
  return result.supergraphSdl;
}

async function gatewayOn(origin: SupergraphOrigin, pollMs?: number): Promise<{ gateway: RunningHttpServer; source: ReloadingSupergraph; logs: () => string }> {
  const lines: string[] = [];
  const stream = new PassThrough().on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const logger = createLogger('gateway', 'info', stream);
  const source = new ReloadingSupergraph({ origin, pollMs, debounceMs: 20, logger });
  const gateway = await startGateway({ supergraphSdl: source, logger });
  closers.push(gateway.close);
  return { gateway, source, logs: () => lines.join('') };
}

async function query(gateway: RunningHttpServer, text: string): Promise<{ status: number; body: { data?: Record<string, string>; errors?: unknown[] } }> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text }) });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, string>; errors?: unknown[] } };
}

/** Polls until `check` holds, within `ms`. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(25);
  }
}

const metric = async (gateway: RunningHttpServer, name: string) => {
  const text = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
};

/** A temporary supergraph file holding `sdl`, removed after the tests. */
function supergraphFile(sdl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'supergraph-'));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'supergraph.graphql'), sdl);
  return join(dir, 'supergraph.graphql');
}

const answers = (gateway: RunningHttpServer, field: string) => async () => (await query(gateway, `{ ${field} }`)).body.data?.[field] !== undefined;

describe('supergraph reload', () => {
  it('switches to a changed supergraph file under load: no request fails, in-flight requests finish on the old plan', async () => {
    const file = supergraphFile(supergraph('hello: String! slow: String!'));
    const { gateway, logs } = await gatewayOn({ file });
    expect((await query(gateway, '{ added }')).status).toBe(400);

    // One request in flight across the swap, on a field the new supergraph no longer has.
    slowStarted = new Promise((resolve) => (markSlowStarted = resolve));
    const inFlight = query(gateway, '{ slow }');
    await slowStarted;

    const failures: unknown[] = [];
    let completed = 0;
    let swapped = false;
    let swapAt = Infinity;
    const worker = async () => {
      // Bounded: stops 40 requests after the new field answers, or after 1500 requests.
      for (let i = 0; i < 1500 && !(swapped && completed > swapAt + 40); i++) {
        const { status, body } = await query(gateway, '{ hello }');
        if (status !== 200 || body.errors || body.data?.hello !== 'hi') failures.push({ status, body });
        completed++;
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await eventually(async () => completed >= 40, 'load running');
    writeFileSync(file, supergraph('hello: String! added: String!'));
    await eventually(answers(gateway, 'added'), 'the new field answers');
    swapAt = completed;
    swapped = true;
    await load;
    releaseSlow();

    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(swapAt);
    expect((await inFlight).body).toEqual({ data: { slow: 'finished' } });
    expect((await query(gateway, '{ slow }')).status).toBe(400);
    expect(await metric(gateway, 'gateway_supergraph_reloads_total')).toBe(1);
    expect(logs()).toContain('supergraph reloaded');
  });

  it('refuses an invalid supergraph file with a log line and a metric, and keeps serving the old one', async () => {
    const file = supergraphFile(supergraph('hello: String!'));
    const { gateway, source, logs } = await gatewayOn({ file });

    writeFileSync(file, 'type Query { hello: String'); // not GraphQL
    await eventually(async () => (await metric(gateway, 'gateway_supergraph_refused_total')) === 1, 'the broken file is refused');
    writeFileSync(file, 'type Query { hello: String! added: String! }'); // GraphQL, but not a supergraph
    await eventually(async () => (await metric(gateway, 'gateway_supergraph_refused_total')) === 2, 'the plain schema is refused');
    // Reading the same invalid supergraph again (a poll, a touch) is not another refusal.
    expect(await source.refresh()).toBe('unchanged');
    expect(await metric(gateway, 'gateway_supergraph_refused_total')).toBe(2);

    expect(await query(gateway, '{ hello }')).toEqual({ status: 200, body: { data: { hello: 'hi' } } });
    expect((await query(gateway, '{ added }')).status).toBe(400);
    expect(await metric(gateway, 'gateway_supergraph_reloads_total')).toBe(0);
    expect(logs().match(/new supergraph refused; the previous supergraph keeps serving/g)).toHaveLength(2);
  });

  it('polls SUPERGRAPH_URL: loads a changed answer, refuses a failing one and keeps serving', async () => {
    let served = { status: 200, body: supergraph('hello: String!') };
    const source = createServer((_req, res) => void res.writeHead(served.status).end(served.body)).listen(0, '127.0.0.1');
    await new Promise((resolve) => source.once('listening', resolve));
    closers.push(() => new Promise((resolve) => source.close(resolve)));
    const { gateway } = await gatewayOn({ url: `http://127.0.0.1:${(source.address() as AddressInfo).port}/supergraph.graphql` }, 100);

    served = { status: 200, body: supergraph('hello: String! added: String!') };
    await eventually(answers(gateway, 'added'), 'the polled change answers');
    served = { status: 503, body: 'unavailable' };
    await eventually(async () => (await metric(gateway, 'gateway_supergraph_refused_total')) >= 1, 'the failing poll is counted');
    expect(await query(gateway, '{ added }')).toEqual({ status: 200, body: { data: { added: 'new' } } });
  });
});

/** The subgraph transport merges only identical in-flight queries that carry the same identity. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphTransport } from '../../gateway/subgraph-transport.js';

let url: string;
let received: { headers: Record<string, unknown>; body: string }[] = [];
const server = createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  received.push({ headers: req.headers, body });
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { n: received.length } })), 30);
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('SubgraphTransport', () => {
  const send = (transport: SubgraphTransport, body: string, key?: string) =>
    transport.post(url, { 'content-type': 'application/json' }, body, key).then((answer) => JSON.parse(answer.body) as unknown);

  it('merges identical concurrent queries with the same identity', async () => {
    received = [];
    const transport = new SubgraphTransport();
    const [a, b, c] = await Promise.all([
      send(transport, '{"query":"{ x }"}', 'k'),
      send(transport, '{"query":"{ x }"}', 'k'),
      send(transport, '{"query":"{ x }"}', 'k'),
    ]);
    expect(received).toHaveLength(1);
    expect(a).toEqual(b);
    expect(c).toEqual(a);
    expect(transport.deduplicated).toBe(2);
    await transport.close();
  });

  it('never merges different identities, different bodies, unkeyed requests (mutations), or when switched off', async () => {
    received = [];
    const transport = new SubgraphTransport();
    await Promise.all([
      send(transport, '{"q":1}', 'alice'),
      send(transport, '{"q":1}', 'bob'),
      send(transport, '{"q":2}', 'alice'),
      send(transport, '{"m":1}'),
      send(transport, '{"m":1}'),
    ]);
    expect(received).toHaveLength(5);
    const off = new SubgraphTransport({ dedupe: false });
    received = [];
    await Promise.all([send(off, '{"q":1}', 'k'), send(off, '{"q":1}', 'k')]);
    expect(received).toHaveLength(2);
    await Promise.all([transport.close(), off.close()]);
  });
});

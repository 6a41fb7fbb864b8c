/**
 * The HTTP edge every service shares: what any answer carries (x-request-id), and that a refused body
 * never leaves a keep-alive connection wedged.
 */
import { ApolloServer } from '@apollo/server';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphQLHttpServer, type RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';

let server: RunningHttpServer;
const seenRequestIds: string[] = [];

beforeAll(async () => {
  const apollo = new ApolloServer({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } });
  await apollo.start();
  server = await startGraphQLHttpServer({
    apollo,
    maxBodyBytes: 1024,
    routes: [{ method: 'GET', path: '/healthz', handle: (_req, res) => void res.writeHead(200).end('ok') }],
    context: async (req) => {
      seenRequestIds.push(req.requestId);
      return {};
    },
  });
});
afterAll(() => server.close());

/** Writes `payload` on one raw connection and collects what comes back until `done` says enough or the socket ends. */
function exchange(payload: string, done: (text: string) => boolean, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got:\n${text}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (done(text)) finish();
    });
    socket.on('end', finish);
    socket.on('error', finish);
    socket.write(payload);
  });
}

describe('the HTTP edge', () => {
  it('answers an oversized body 413 and does not leave the keep-alive connection hanging', async () => {
    const big = 'x'.repeat(64 * 1024);
    const oversized = `POST /graphql HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: ${big.length}\r\n\r\n${big}`;
    const next = 'GET /healthz HTTP/1.1\r\nhost: t\r\n\r\n';
    // The second request on the same connection either gets its answer or the connection is closed: never a hang.
    const text = await exchange(oversized + next, (t) => t.includes('\r\n\r\nok'));
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    const answered = text.includes('\r\n\r\nok');
    const closed = /\r\nconnection: close\r\n/i.test(text);
    expect(answered || closed).toBe(true);
  });

  it('returns x-request-id on every answer: GraphQL, errors, extra routes and unknown paths', async () => {
    const base = server.url.replace(/\/graphql$/, '');
    const answers = await Promise.all([
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ hello }"}' }),
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' }),
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'x'.repeat(2000) }) }),
      fetch(`${base}/healthz`),
      fetch(`${base}/nowhere`),
    ]);
    for (const answer of answers) expect(answer.headers.get('x-request-id'), `${answer.status}`).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(answers.map((a) => a.headers.get('x-request-id'))).size).toBe(answers.length);
  });

  it('keeps a well-formed request id the client sent, and replaces one that is not', async () => {
    const given = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'client-id.42' },
      body: '{"query":"{ hello }"}',
    });
    expect(given.headers.get('x-request-id')).toBe('client-id.42');
    expect(seenRequestIds).toContain('client-id.42');
    const forged = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'a b\u00e9'.repeat(30) },
      body: '{"query":"{ hello }"}',
    });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

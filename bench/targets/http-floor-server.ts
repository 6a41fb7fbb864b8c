/**
 * Node's HTTP floor, a benchmark target that is not a gateway: for every POST it parses the body, sends
 * the subgraph requests one query was recorded making (bench/subgraph-recording.ts)
 * with their bodies serialised afresh, over undici keep-alive pools dispatched as the gateway's transport
 * does, parses every answer, and writes the recorded answer serialised afresh. That is the HTTP and JSON
 * work any Node gateway does for that query, without GraphQL: no parsing, planning, shaping or identity.
 * Usage: node --import tsx bench/targets/http-floor-server.ts <recording.json> <port>
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Agent } from 'undici';
import type { SubgraphRecording } from '../subgraph-recording.js';

const [recordingPath, port] = process.argv.slice(2);
const recording = JSON.parse(readFileSync(recordingPath!, 'utf8')) as SubgraphRecording;
const fetches = recording.exchanges.map(({ url, request }) => {
  const { origin, pathname } = new URL(url);
  return { origin, path: pathname, body: JSON.parse(request) as unknown };
});
const answer = JSON.parse(recording.answer) as unknown;
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });
const headers = { 'content-type': 'application/json' };

/** One POST, its answer read whole and parsed. */
function post(origin: string, path: string, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    agent.dispatch(
      { origin, path, method: 'POST', headers, body },
      {
        // Undici reads a handler without onRequestStart as one of its legacy shape.
        onRequestStart: () => {},
        onResponseData: (_controller, chunk) => void chunks.push(chunk),
        onResponseEnd: () => resolve(JSON.parse(Buffer.concat(chunks).toString())),
        onResponseError: (_controller, error) => reject(error),
      },
    );
  });
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"the body is not JSON"}]}');
      return;
    }
    Promise.all(fetches.map(({ origin, path, body }) => post(origin, path, JSON.stringify(body)))).then(
      () => {
        res.writeHead(200, { 'content-type': 'application/graphql-response+json; charset=utf-8' });
        res.end(JSON.stringify(answer));
      },
      (error: Error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: error.message }] }));
      },
    );
  });
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));

/**
 * Node's own floor for scenario (b): what JSON alone costs per request, measured on the real payloads.
 * A recording proxy sits between a gateway and the synthetic subgraphs for one heavy query; then the
 * subgraph requests' bodies are serialised, their responses parsed and the client's answer serialised,
 * in a bounded loop. No gateway can do less than this in JavaScript (a Rust gateway does it natively).
 */
import { createServer, request } from 'node:http';
import { compose, launchTarget } from './gateways.js';
import { freePort } from './processes.js';
import type { Row } from './report.js';
import { HEAVY_QUERY, SYNTHETIC_SUBGRAPHS } from './subgraphs/synthetic.js';

export interface JsonFloor {
  subgraphRequests: number;
  /** Bytes of the subgraph requests, their responses, and the client's answer, for one heavy query. */
  requestBytes: number;
  responseBytes: number;
  answerBytes: number;
  /** Microseconds of JSON work per client request: stringify requests, parse responses, stringify the answer. */
  microseconds: number;
}

/** Records one heavy query's subgraph traffic through a gateway of ours, then times JSON over it. */
export async function measureJsonFloor(urls: Record<string, string>): Promise<JsonFloor> {
  const exchanges: { request: string; response: string }[] = [];
  const proxied: Record<string, string> = {};
  const servers = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      const target = new URL(url);
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const upstream = request({ host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: req.headers }, (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (c: Buffer) => parts.push(c));
            answer.on('end', () => {
              const response = Buffer.concat(parts);
              exchanges.push({ request: body.toString(), response: response.toString() });
              res.writeHead(answer.statusCode!, answer.headers);
              res.end(response);
            });
          });
          upstream.end(body);
        });
      });
      const port = await freePort();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      proxied[name] = `http://127.0.0.1:${port}/graphql`;
      return server;
    }),
  );
  const port = await freePort();
  const env = {
    SUPERGRAPH: compose('json-floor', SYNTHETIC_SUBGRAPHS, proxied).supergraph,
    PORT: String(port),
    PLATFORM_CONFIG: undefined,
    GATEWAY_DEDUPE: 'false',
  };
  const gateway = await launchTarget('json-floor-gateway', 'gateway/main.ts', [], env, port);
  exchanges.length = 0;
  const answer = await (
    await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: HEAVY_QUERY }) })
  ).text();
  await gateway.process?.stop();
  for (const server of servers) server.close();

  const requests = exchanges.map((e) => JSON.parse(e.request) as unknown);
  const responses = exchanges.map((e) => e.response);
  const result = JSON.parse(answer) as unknown;
  const once = () => {
    for (const body of requests) JSON.stringify(body);
    for (const text of responses) JSON.parse(text);
    JSON.stringify(result);
  };
  for (let i = 0; i < 500; i++) once(); // warm-up: optimised code, as in a running gateway
  const iterations = 3000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) once();
  const microseconds = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  return {
    subgraphRequests: exchanges.length,
    requestBytes: exchanges.reduce((n, e) => n + e.request.length, 0),
    responseBytes: exchanges.reduce((n, e) => n + e.response.length, 0),
    answerBytes: answer.length,
    microseconds: +microseconds.toFixed(1),
  };
}

/** How close each gateway of ours comes to the floor: its CPU per request against JSON's alone. */
export function jsonFloorNote(floor: JsonFloor, rows: Row[]): string {
  const lines = [
    `b JSON floor: ${floor.subgraphRequests} subgraph requests (${floor.requestBytes} B out, ${floor.responseBytes} B back) and a ${floor.answerBytes} B answer: ` +
      `${floor.microseconds} µs of JSON.stringify/JSON.parse per request in this process`,
  ];
  for (const row of rows) {
    const perRequest = row.median.requestsPerCpuSecond ? 1e6 / row.median.requestsPerCpuSecond : 0;
    if (perRequest)
      lines.push(`  ${row.target}: ${perRequest.toFixed(0)} µs gateway CPU per request = ${(perRequest / floor.microseconds).toFixed(1)}x the JSON floor`);
  }
  return lines.join('\n');
}

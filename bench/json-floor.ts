/**
 * Node's own floor for scenario (b): what JSON alone costs per request, measured on the real payloads.
 * A recording proxy sits between a gateway and the synthetic subgraphs for one heavy query; then the
 * subgraph requests' bodies are serialised, their responses parsed and the client's answer serialised,
 * in a bounded loop. No gateway can do less than this in JavaScript (a Rust gateway does it natively).
 */
import { compose } from './gateways.js';
import type { Row } from './report.js';
import { recordSubgraphTraffic } from './subgraph-recording.js';
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
  const body = JSON.stringify({ query: HEAVY_QUERY });
  const { exchanges, answer } = await recordSubgraphTraffic(
    'json-floor',
    urls,
    (proxied) => compose('json-floor', SYNTHETIC_SUBGRAPHS, proxied).supergraph,
    body,
  );
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
      lines.push(`  ${row.target}: ${perRequest.toFixed(0)} µs of CPU per request = ${(perRequest / floor.microseconds).toFixed(1)}x the JSON floor`);
  }
  return lines.join('\n');
}

/**
 * Node's HTTP floor for a scenario: the target `node-http-floor` (bench/targets/http-floor-server.ts)
 * replays one query's recorded subgraph traffic per request, so its requests per CPU-second, measured
 * beside the gateways under the same load, are what the HTTP and JSON of that query cost in Node alone.
 * The note says how many times that each gateway of ours spends per request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_NODE_FLAGS } from '../gateway/node-flags.js';
import { launchTarget, RESULTS, type Target } from './gateways.js';
import { OPTIONS } from './options.js';
import { freePort, ROOT } from './processes.js';
import type { Row } from './report.js';
import { recordSubgraphTraffic } from './subgraph-recording.js';

export const HTTP_FLOOR = 'node-http-floor';

/**
 * Records `body`'s subgraph traffic (a gateway composed by `supergraphFor` over proxies to `urls`) and
 * starts the floor replaying it, with the gateway's own Node flags; undefined when --targets leaves it out.
 */
export async function startHttpFloor(
  scenario: string,
  urls: Record<string, string>,
  supergraphFor: (proxied: Record<string, string>) => string,
  body: string,
): Promise<Target | undefined> {
  if (OPTIONS.targets && !OPTIONS.targets.has(HTTP_FLOOR)) return undefined;
  const recording = await recordSubgraphTraffic(`${scenario}-http-floor`, urls, supergraphFor, body);
  const file = join(RESULTS, `${scenario}.http-floor.json`);
  writeFileSync(file, JSON.stringify(recording));
  const port = await freePort();
  return launchTarget(HTTP_FLOOR, 'bench/targets/http-floor-server.ts', [file, String(port)], {}, port, true, ROOT, GATEWAY_NODE_FLAGS);
}

/** Each gateway of ours' CPU per request against the floor's, in one scenario's rows. */
export function httpFloorNote(rows: Row[]): string | undefined {
  const perRequest = (row: Row) => (row.median.requestsPerCpuSecond ? 1e6 / row.median.requestsPerCpuSecond : undefined);
  const floorRow = rows.find((row) => row.target === HTTP_FLOOR);
  const floor = floorRow && perRequest(floorRow);
  if (!floorRow || !floor) return undefined;
  const lines = [`${floorRow.scenario} HTTP floor: ${floor.toFixed(0)} µs of CPU per request (the query's subgraph HTTP and JSON, no GraphQL)`];
  for (const row of rows) {
    const cost = perRequest(row);
    if (!row.target.startsWith('ours-') || !cost) continue;
    const where = cost >= floor ? `${(cost - floor).toFixed(0)} µs above it` : 'below it: merged requests fetch nothing';
    lines.push(`  ${row.target}: ${cost.toFixed(0)} µs gateway CPU per request = ${(cost / floor).toFixed(2)}x the floor, ${where}`);
  }
  return lines.join('\n');
}

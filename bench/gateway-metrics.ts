/** Reading this gateway's own counters from its /metrics, to report work per request. */
import type { Measurement } from './load.js';
import { median, type Row } from './report.js';

/** The gateway_* counters of the gateway serving `graphqlUrl`. */
export async function metricsOf(graphqlUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(graphqlUrl.replace('/graphql', '/metrics'))).text();
  return Object.fromEntries([...text.matchAll(/^(gateway_[a-z_]+) (\d+(?:\.\d+)?)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** What one request cost the gateway between two readings of its counters. */
export function perRequest(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const served = delta('gateway_requests_total');
  const lookups = delta('gateway_identity_cache_hits_total') + delta('gateway_identity_cache_misses_total');
  const fetches = delta('gateway_subgraph_fetches_total') + delta('gateway_subgraph_fetches_deduplicated_total');
  const round = (x: number) => +x.toFixed(5);
  const shaped = delta('gateway_result_shaping_shaped_total') + delta('gateway_result_shaping_stock_total');
  return {
    ...(after.gateway_identity_cache_store_queries_total !== undefined
      ? {
          storeQueriesPerRequest: round(delta('gateway_identity_cache_store_queries_total') / served),
          cacheHitRatio: lookups ? round(delta('gateway_identity_cache_hits_total') / lookups) : 0,
        }
      : {}),
    mergedRequestShare: round(delta('gateway_requests_merged_total') / served),
    subgraphFetchesPerExecutedRequest: round(fetches / (served - delta('gateway_requests_merged_total'))),
    subgraphFetchesSentPerRequest: round(delta('gateway_subgraph_fetches_total') / served),
    // Results Apollo's own code shaped (something to report), of all shaped; the rest had a compiled shaper.
    shapedByApolloShare: shaped ? round(delta('gateway_result_shaping_stock_total') / shaped) : 0,
  };
}

/**
 * Gateway CPU per signed subgraph fetch, from scenario (a)'s signed-fetch pair: ours-injection-no-dedupe
 * (platform config, no merging) and ours-no-dedupe (the same gateway and query without a platform config,
 * no merging) differ in injection alone. Each round loads both at once with the same offered load
 * (measuring.ts, runSideBySide), so both do the same work per second, per-second costs (feed polls, timers)
 * weigh the same on each, and the machine's drift touches both alike. Each round's difference in CPU per
 * request, over the subgraph fetches per request, is one estimate; the median is the figure and the
 * range says how far to trust it.
 */
export function signedFetchCost(pair: Row[], offeredRate: number): string {
  const on = pair.find((r) => r.target === 'ours-injection-no-dedupe');
  const off = pair.find((r) => r.target === 'ours-no-dedupe');
  const fetches = on?.extra?.subgraphFetchesPerExecutedRequest;
  if (!on || !off || typeof fetches !== 'number' || on.rounds.some((m) => !m.cpuSeconds)) {
    return 'signed fetch cost: needs ours-injection-no-dedupe and ours-no-dedupe';
  }
  const cpuUsPerRequest = (m: Measurement) => (m.cpuSeconds * 1e6) / m.requests;
  const estimates = on.rounds.map((m, round) => (cpuUsPerRequest(m) - cpuUsPerRequest(off.rounds[round]!)) / fetches);
  const perFetch = median(estimates);
  on.extra = { ...on.extra, gatewayCpuUsPerSignedFetch: +perFetch.toFixed(1) };
  const onUs = median(on.rounds.map(cpuUsPerRequest));
  const offUs = median(off.rounds.map(cpuUsPerRequest));
  const unsustained = [on, off].filter((row) => row.median.rps < offeredRate * 0.95).map((row) => row.target);
  return (
    `a: side by side at ${offeredRate} req/s each, gateway CPU per request ${onUs.toFixed(0)} µs with injection, ${offUs.toFixed(0)} µs without ` +
    `(both without merging); ${fetches.toFixed(2)} signed fetches per request: ${perFetch.toFixed(1)} µs of gateway CPU per signed fetch ` +
    `(median of ${estimates.length} rounds, range ${Math.min(...estimates).toFixed(1)} to ${Math.max(...estimates).toFixed(1)}; target <= 25)` +
    (unsustained.length ? `; NOT SUSTAINED by ${unsustained.join(', ')}: lower --signed-fetch-rate` : '')
  );
}

/** Adds one window's counter deltas to a target's running totals. */
export function accumulate(
  totals: Map<string, { before: Record<string, number>; after: Record<string, number> }>,
  name: string,
  before: Record<string, number>,
  after: Record<string, number>,
): void {
  const total = totals.get(name) ?? { before: {}, after: {} };
  for (const key of Object.keys(after)) total.after[key] = (total.after[key] ?? 0) + after[key]! - (before[key] ?? 0);
  totals.set(name, total);
}

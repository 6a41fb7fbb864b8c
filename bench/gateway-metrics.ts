/** Reading this gateway's own counters from its /metrics, to report work per request. */
import type { Row } from './report.js';

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
 * Gateway CPU per signed subgraph fetch: CPU per request with injection (ours-injection) minus without
 * (ours-no-dedupe: same gateway, same query, no platform config, no merging), over fetches per request.
 */
export function signedFetchCost(result: Row[]): string {
  const on = result.find((r) => r.target === 'ours-injection');
  const off = result.find((r) => r.target === 'ours-no-dedupe');
  const fetches = on?.extra?.subgraphFetchesPerExecutedRequest;
  if (!on || !off || typeof fetches !== 'number' || !on.median.requestsPerCpuSecond || !off.median.requestsPerCpuSecond)
    return 'signed fetch cost: needs ours-injection and ours-no-dedupe';
  const onUs = 1e6 / on.median.requestsPerCpuSecond;
  const offUs = 1e6 / off.median.requestsPerCpuSecond;
  const perFetch = (onUs - offUs) / fetches;
  on.extra = { ...on.extra, gatewayCpuUsPerSignedFetch: +perFetch.toFixed(1) };
  return `a: gateway CPU per request ${onUs.toFixed(0)} µs with injection, ${offUs.toFixed(0)} µs without; ${fetches.toFixed(2)} signed fetches per request: ${perFetch.toFixed(1)} µs of gateway CPU per signed fetch (target <= 25)`;
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

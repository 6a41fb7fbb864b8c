/** Reading this gateway's own counters from its /metrics, to report work per request. */

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
  };
}

/** The gateway's /metrics series the live room reads, labelled ones included (gateway-metrics.ts reads only unlabelled counters). */

/** Every sample of the gateway serving `graphqlUrl`, keyed as printed: `name` or `name{label="value"}`. */
export async function seriesOf(graphqlUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (-?[\d.e+]+)$/i.exec(line);
    if (match) series.set(match[1]!, Number(match[2]));
  }
  return series;
}

/** What the live room reports from the gateway's own counters. */
export interface GatewayReading {
  socketsOpen: number;
  upstream: number;
  downstream: number;
  delivered: number;
  dropped: number;
  /** HTTP fetches to the coupons subgraph (queries, mutations and per-event fetches; not the upstream sockets). */
  couponsFetches: number;
  heapUsedBytes: number;
}

export async function readGateway(graphqlUrl: string): Promise<GatewayReading> {
  const s = await seriesOf(graphqlUrl);
  const value = (key: string) => s.get(key) ?? 0;
  return {
    socketsOpen: value('gateway_sockets_open'),
    upstream: value('gateway_subscriptions_active{side="upstream"}'),
    downstream: value('gateway_subscriptions_active{side="downstream"}'),
    delivered: value('gateway_subscription_events_total{outcome="delivered"}'),
    dropped: value('gateway_subscription_events_total{outcome="dropped"}'),
    couponsFetches: value('gateway_subgraph_fetch_duration_seconds_count{subgraph="coupons"}'),
    heapUsedBytes: value('nodejs_heap_size_used_bytes'),
  };
}

/** The gateway's Prometheus metrics (GET /metrics): process health, identity cache and subgraph fetches. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RawRoute } from '../subgraphs/kit/graphql-http-server.js';
import type { IdentityCacheStats } from './identity-cache.js';
import type { InboundDedupe } from './inbound-dedupe.js';
import type { OperationCacheStats } from './operation-cache.js';
import type { SubgraphTransport } from './subgraph-transport.js';

export interface GatewayMetrics {
  route: RawRoute;
  requests: Counter;
}

export function createGatewayMetrics(
  transport: SubgraphTransport,
  cache: IdentityCacheStats | undefined,
  inbound?: InboundDedupe,
  operations?: OperationCacheStats,
): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'gateway_requests_total', help: 'GraphQL requests received', registers: [registry] });
  new Gauge({
    name: 'gateway_subgraph_fetches_deduplicated_total',
    help: 'Subgraph fetches answered by an identical in-flight fetch with the same identity',
    registers: [registry],
    collect() {
      this.set(transport.deduplicated);
    },
  });
  new Gauge({
    name: 'gateway_requests_merged_total',
    help: 'Client requests answered by an identical in-flight request (same body, same viewer)',
    registers: [registry],
    collect() {
      this.set(inbound?.merged ?? 0);
    },
  });
  new Gauge({
    name: 'gateway_subgraph_fetches_total',
    help: 'Subgraph fetches sent (not counting those merged into one in flight)',
    registers: [registry],
    collect() {
      this.set(transport.sent);
    },
  });
  for (const key of ['hits', 'misses'] as const) {
    new Gauge({
      name: `gateway_operation_cache_${key}_total`,
      help: `Executions whose result-shaping operation was ${key === 'hits' ? 'reused' : 'built'} (per document and schema)`,
      registers: [registry],
      collect() {
        this.set(operations?.[key] ?? 0);
      },
    });
  }
  if (cache) {
    for (const [key, help] of [
      ['hits', 'Viewer identity lookups answered from the cache'],
      ['misses', 'Viewer identity lookups that went to the identity store'],
      ['storeQueries', 'Queries sent to the identity store'],
      ['invalidations', 'Cached viewers dropped because their identities changed'],
    ] as const) {
      new Gauge({
        name: `gateway_identity_cache_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`,
        help,
        registers: [registry],
        collect() {
          this.set(cache[key]);
        },
      });
    }
  }
  return {
    requests,
    route: {
      method: 'GET',
      path: '/metrics',
      handle: async (_req, res) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
      },
    },
  };
}

/** The gateway's Prometheus metrics (GET /metrics): process health, identity cache and subgraph fetches. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RawRoute } from '../subgraphs/kit/graphql-http-server.js';
import type { IdentityCacheStats } from './identity-cache.js';
import type { SubgraphTransport } from './subgraph-transport.js';
import type { SupergraphReloadStats } from './supergraph-source.js';

export interface GatewayMetrics {
  route: RawRoute;
  requests: Counter;
}

export function createGatewayMetrics(transport: SubgraphTransport, cache: IdentityCacheStats | undefined, supergraph?: SupergraphReloadStats): GatewayMetrics {
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
  if (supergraph) {
    for (const [key, help] of [
      ['reloads', 'Supergraphs switched to without a restart'],
      ['refused', 'New supergraphs refused (invalid or unreadable); the previous one kept serving'],
    ] as const) {
      new Gauge({
        name: `gateway_supergraph_${key}_total`,
        help,
        registers: [registry],
        collect() {
          this.set(supergraph[key]);
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

/**
 * The gateway's Prometheus metrics (GET /metrics): process health, requests by operation type and outcome,
 * subgraph fetches, the document cache, the Apollo patches and the identity cache. Every label has a small
 * fixed set of values (operation types, outcomes, the supergraph's subgraph names), never anything a client
 * chooses. First in the pipeline, so every request is counted, refused ones too.
 */
import type { GraphQLRequestListener } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { scrapedCounter } from '../../platform/metrics-counter.js';
import type { ApolloPatchStats } from '../apollo-patches/index.js';
import type { IdentityCacheStats } from '../identity-cache.js';
import { defineFeature, type GatewayFeature } from '../pipeline/feature.js';
import type { DocumentCacheStats } from '../pipeline/document-cache.js';
import type { SubgraphTransport } from '../subgraph-transport.js';
import type { SupergraphReloadStats } from '../supergraph-source.js';
import type { SocketStats } from '../subscriptions/client-sockets.js';
import type { SubscriptionStats } from '../subscriptions/live-subscriptions.js';
import type { RequestMergingStats } from './request-merging.js';

/** How a subgraph fetch ended: `ok`, or why not. */
export type FetchOutcome = 'ok' | 'graphql_errors' | 'http_error' | 'invalid_body' | 'network_error';

/** What the subgraph data sources report for each fetch. */
export interface FetchObserver {
  fetched(subgraph: string, seconds: number, outcome: FetchOutcome): void;
}

export interface GatewayMetrics {
  feature: GatewayFeature;
  fetches: FetchObserver;
  /** Where another feature registers metrics of its own (demand-control.ts). */
  registry: Registry;
}

/** What the metrics read from the rest of the gateway. */
export interface MetricSources {
  transport: SubgraphTransport;
  identityCache?: IdentityCacheStats;
  supergraph?: SupergraphReloadStats;
  merging?: RequestMergingStats;
  documents: DocumentCacheStats;
  patches: ApolloPatchStats;
  /** Running subscriptions (absent when the gateway cannot run them). */
  subscriptions?: SubscriptionStats;
  /** Client sockets (read at scrape time: the endpoint is made after the metrics). */
  sockets?: () => SocketStats;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription']);

export function gatewayMetrics({
  transport,
  identityCache: cache,
  supergraph,
  merging,
  documents,
  patches,
  subscriptions,
  sockets,
}: MetricSources): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'gateway_requests_total', help: 'GraphQL requests received', registers: [registry] });
  const duration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'GraphQL request time in the gateway, by operation type and outcome (ok, partial: data with errors, failed: errors only, rejected: not executed)',
    labelNames: ['operation', 'outcome'],
    buckets: SECONDS,
    registers: [registry],
  });
  const fetchDuration = new Histogram({
    name: 'gateway_subgraph_fetch_duration_seconds',
    help: 'Subgraph fetch time, by subgraph',
    labelNames: ['subgraph'],
    buckets: SECONDS,
    registers: [registry],
  });
  const fetchErrors = new Counter({
    name: 'gateway_subgraph_fetch_errors_total',
    help: 'Subgraph fetches that failed or answered errors, by subgraph and kind',
    labelNames: ['subgraph', 'kind'],
    registers: [registry],
  });
  scrapedCounter(
    registry,
    'gateway_subgraph_fetches_deduplicated_total',
    'Subgraph fetches answered by an identical in-flight fetch with the same identity',
    () => transport.deduplicated,
  );
  scrapedCounter(
    registry,
    'gateway_requests_merged_total',
    'Client requests answered by an identical in-flight request (same body, same viewer)',
    () => merging?.merged ?? 0,
  );
  scrapedCounter(registry, 'gateway_subgraph_fetches_total', 'Subgraph fetches sent (not counting those merged into one in flight)', () => transport.sent);
  for (const [key, help] of [
    ['parsed', 'Documents parsed (each then kept by the sha256 of its text)'],
    ['hits', 'Requests whose document was found already parsed'],
    ['apolloMisses', 'Documents Apollo Server had to parse and validate itself (not validated by the pipeline against the schema it serves)'],
  ] as const) {
    scrapedCounter(registry, `gateway_documents_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`, help, () => documents[key]);
  }
  for (const key of ['hits', 'misses'] as const) {
    const help = `Executions whose result-shaping operation was ${key === 'hits' ? 'reused' : 'built'} (per document and schema)`;
    scrapedCounter(registry, `gateway_operation_cache_${key}_total`, help, () => patches.operations?.[key] ?? 0);
  }
  for (const [key, help] of [
    ['shaped', 'Results shaped by a compiled shaper'],
    ['stock', "Results shaped by Apollo's own result shaping (data with something to report, or an operation not compiled)"],
  ] as const) {
    scrapedCounter(registry, `gateway_result_shaping_${key}_total`, help, () => patches.shaping?.[key] ?? 0);
  }
  if (cache) {
    for (const [key, help] of [
      ['hits', 'Viewer identity lookups answered from the cache'],
      ['misses', 'Viewer identity lookups that went to the identity store'],
      ['storeQueries', 'Queries sent to the identity store'],
      ['invalidations', 'Cached viewers dropped because their identities changed'],
    ] as const) {
      const name = `gateway_identity_cache_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
      scrapedCounter(registry, name, help, () => cache[key]);
    }
  }
  if (supergraph) {
    for (const [key, help] of [
      ['reloads', 'Supergraphs switched to without a restart'],
      ['refused', 'New supergraphs refused (invalid or unreadable); the previous one kept serving'],
    ] as const) {
      scrapedCounter(registry, `gateway_supergraph_${key}_total`, help, () => supergraph[key]);
    }
  }
  new Gauge({
    name: 'gateway_sockets_open',
    help: 'Client WebSockets open (subscriptions)',
    registers: [registry],
    collect() {
      this.set(sockets?.().open ?? 0);
    },
  });
  new Gauge({
    name: 'gateway_subscriptions_active',
    help: 'Subscriptions running, by side: downstream (held by clients), upstream (held on subgraphs; identical anonymous ones share one)',
    labelNames: ['side'],
    registers: [registry],
    collect() {
      this.set({ side: 'downstream' }, subscriptions?.downstream ?? 0);
      this.set({ side: 'upstream' }, subscriptions?.upstream ?? 0);
    },
  });
  let reportedEvents = { delivered: 0, dropped: 0 };
  new Counter({
    name: 'gateway_subscription_events_total',
    help: 'Subscription event results by outcome: delivered to a client socket, or dropped (a client not reading, a backlog past its bound, an identity superseded)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const now = { delivered: subscriptions?.delivered ?? 0, dropped: (subscriptions?.dropped ?? 0) + (sockets?.().dropped ?? 0) };
      for (const outcome of ['delivered', 'dropped'] as const)
        if (now[outcome] > reportedEvents[outcome]) this.inc({ outcome }, now[outcome] - reportedEvents[outcome]);
      reportedEvents = now;
    },
  });
  scrapedCounter(
    registry,
    'gateway_subscription_upstream_reconnects_total',
    'Upstream subscription sockets reopened after a drop',
    () => subscriptions?.reconnects ?? 0,
  );
  const feature = defineFeature({
    name: 'metrics',
    admit() {
      requests.inc();
    },
    respond(request, response) {
      // Refused before execution (Apollo's hook times what it executed).
      if (!response.refusedWith) return;
      const type = request.operation?.operation.operation;
      duration.observe({ operation: type ?? 'unknown', outcome: 'rejected' }, (performance.now() - request.receivedAt) / 1000);
    },
    apollo: {
      // Times what Apollo executed: from its start to the answer.
      async requestDidStart() {
        const started = performance.now();
        const listener: GraphQLRequestListener<never> = {
          async willSendResponse({ operation, response }) {
            const type = operation?.operation;
            const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
            const outcome = !operation ? 'rejected' : !body?.errors?.length ? 'ok' : body.data ? 'partial' : 'failed';
            duration.observe({ operation: type && OPERATION_TYPES.has(type) ? type : 'unknown', outcome }, (performance.now() - started) / 1000);
          },
        };
        return listener;
      },
    },
    routes: [
      {
        method: 'GET',
        path: '/metrics',
        handle: async (_req, res) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(await registry.metrics());
        },
      },
    ],
  });
  return {
    feature,
    registry,
    fetches: {
      fetched(subgraph, seconds, outcome) {
        fetchDuration.observe({ subgraph }, seconds);
        if (outcome !== 'ok') fetchErrors.inc({ subgraph, kind: outcome });
      },
    },
  };
}

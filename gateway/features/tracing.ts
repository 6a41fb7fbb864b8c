/**
 * The gateway's own spans, on top of the HTTP edge's request span and Apollo Gateway's (`gateway.plan`,
 * `gateway.execute`, `gateway.fetch`): the operation's name and type on the request span (never its
 * variables or document), one span per subgraph fetch with the subgraph and its HTTP status, and one per
 * identity-store lookup. Everything here is skipped when tracing is off.
 */
import type { GraphQLRequestListener } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import { activeTracer, inSpan, injectTraceContext } from '../../platform/telemetry.js';
import { defineFeature } from '../pipeline/feature.js';

/** Names the request span after the operation; no hook at all when tracing is off (no per-request cost). */
export function tracing() {
  if (!activeTracer()) return defineFeature({ name: 'tracing' });
  const listener: GraphQLRequestListener<never> = {
    async didResolveOperation({ operationName, operation }) {
      if (!operation) return;
      const span = trace.getActiveSpan();
      span?.setAttributes({ 'graphql.operation.type': operation.operation, 'graphql.operation.name': operationName ?? '' });
      span?.updateName(`${operation.operation} ${operationName ?? '(anonymous)'}`);
    },
  };
  return defineFeature({ name: 'tracing', apollo: { requestDidStart: async () => listener } });
}

/** Runs a subgraph fetch in a `subgraph.fetch` span and sends its trace context in `headers`. */
export async function tracedFetch<T extends { status: number }>(subgraph: string, headers: Record<string, string>, fetch: () => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return fetch();
  return inSpan(tracer, 'subgraph.fetch', { 'graphql.subgraph.name': subgraph }, async (span) => {
    // Only headers change: the identity signature covers the body, so adding traceparent keeps it valid.
    injectTraceContext(headers);
    const answer = await fetch();
    span.setAttribute('http.response.status_code', answer.status);
    return answer;
  });
}

/** Runs an identity-store lookup in an `identity.lookup` span. */
export function tracedLookup<T>(lookup: () => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  return tracer ? inSpan(tracer, 'identity.lookup', {}, lookup) : lookup();
}

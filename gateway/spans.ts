/**
 * The gateway's own spans, on top of the HTTP edge's request span and Apollo Gateway's (`gateway.plan`,
 * `gateway.execute`, `gateway.fetch`): one per subgraph fetch, with the subgraph and its HTTP status, and
 * one per identity-store lookup. Nothing is done when tracing is off.
 */
import { activeTracer, inSpan, injectTraceContext } from '../platform/telemetry.js';

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

/** Runs the start of a subscription (a socket's `subscribe` message through the pipeline) in a `subscription.start` span. */
export function tracedSubscriptionStart<T>(start: (setOutcome: (outcome: string) => void) => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return start(() => {});
  return inSpan(tracer, 'subscription.start', {}, (span) => start((outcome) => span.setAttribute('graphql.subscription.outcome', outcome)));
}

/**
 * Tracing's part in the pipeline: the request span (the HTTP edge's) is named after the operation, with
 * its type and name as attributes (never its variables or document). The gateway's other spans, per
 * subgraph fetch and identity lookup, are in ../spans.ts. Everything here is skipped when tracing is off.
 */
import type { GraphQLRequestListener } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import { activeTracer } from '../../platform/telemetry.js';
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

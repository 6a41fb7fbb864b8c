/**
 * OpenTelemetry tracing for every process, off unless an exporter is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT, read in env.ts). When off nothing is registered: the API stays the
 * no-op it ships as, no async context is tracked, and the HTTP edge skips its span work entirely, so
 * tracing costs nothing on the hot path. When on, W3C `traceparent` is extracted from every request the
 * edge receives and injected into every subgraph fetch, so one trace spans the gateway and subgraphs.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Headers } from './headers.js';

export interface TelemetryOptions {
  /** The service name spans are reported under (OTEL_SERVICE_NAME, else the component's name). */
  serviceName: string;
  /** OTLP/HTTP base URL; traces go to `<endpoint>/v1/traces`. */
  otlpEndpoint?: string;
  /** Tests: an exporter that receives each span as it ends (e.g. an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

export interface Telemetry {
  /** Flushes what is buffered and unregisters everything. */
  shutdown(): Promise<void>;
}

let tracer: Tracer | undefined;

/** The tracer when tracing is on; undefined when off (callers then skip all span work). */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** The trace id of the span running now, for log lines; undefined when tracing is off. */
export function currentTraceId(): string | undefined {
  return tracer ? trace.getActiveSpan()?.spanContext().traceId : undefined;
}

/** Starts tracing when an endpoint or exporter is given; otherwise does nothing at all (the SDK is not even loaded). */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (!options.otlpEndpoint && !options.exporter) return { shutdown: async () => {} };
  const { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint!.replace(/\/$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': options.serviceName }), spanProcessors: [processor] });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  tracer = trace.getTracer('identity-federation-gateway');
  return {
    shutdown: async () => {
      tracer = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Adds W3C trace-context headers for the active span to an outgoing request's headers. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (tracer) propagation.inject(context.active(), headers);
}

/**
 * Runs `work` inside a new span named `name` (a child of the active span) and ends it when `work`
 * settles, recording a thrown error. Only call when `activeTracer()` is defined.
 */
export async function inSpan<T>(active: Tracer, name: string, attributes: Record<string, string | number>, work: (span: Span) => Promise<T>): Promise<T> {
  return active.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The request id of the request being handled, for log lines written anywhere while it runs. */
const requestScope = new AsyncLocalStorage<string>();

/** The id of the request whose handling is running now (set by `inServerSpan`), if any. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore();
}

/**
 * Runs `handle` inside a server span for one HTTP request, continuing the caller's trace when the request
 * carries `traceparent`. The span ends when the response closes. Without tracing, just runs `handle`;
 * either way within the request's id, which every log line written meanwhile carries.
 */
export function inServerSpan(headers: IncomingHttpHeaders, name: string, res: ServerResponse, handle: () => void): void {
  // The HTTP edge has set the request id on the answer before calling this: every log line of the request carries it.
  const requestId = res.getHeader(Headers.requestId);
  inServerSpanUnscoped(headers, name, res, typeof requestId === 'string' ? () => requestScope.run(requestId, handle) : handle);
}

/**
 * `inServerSpan` without the request-id scope, for a server whose per-request log lines name their request
 * themselves (the gateway's). The scope is an AsyncLocalStorage, which on Node 20 runs async hooks for
 * every promise: the gateway answers about 20% more logged-in requests per second without it (bench e).
 */
export function inServerSpanUnscoped(headers: IncomingHttpHeaders, name: string, res: ServerResponse, handle: () => void): void {
  if (!tracer) return handle();
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), handle);
}

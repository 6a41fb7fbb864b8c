/**
 * OpenTelemetry: one trace spans the gateway and the subgraphs (traceparent crosses every subgraph fetch
 * and the kit and identity service continue it), spans name operations but never carry variables, and
 * log lines written during a traced request carry its trace id.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from '../../platform/telemetry.js';
import { loginCode } from '../support/fixtures.js';
import { bearer, openGraphQLSocket } from '../support/graphql-socket.js';
import { APPS, startSystem, type System } from '../support/system.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let system: System;

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'test', exporter });
  system = await startSystem();
});
afterAll(async () => {
  await system?.close();
  await telemetry?.shutdown();
});

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

describe('tracing', () => {
  it('follows one request through the gateway, its query plan, the identity lookup and every subgraph it reaches', async () => {
    const { accessToken } = await system.login(APPS.platform, 'tess');
    await system.login(APPS.acme, 'tess'); // linked to ACME by UnionID
    await system.grantDisclosure(accessToken, 'acme');
    exporter.reset();
    const result = await system.graphql('query MyCoupons { me { id coupons { coupon { id } } } availableCoupons { id } }', undefined, accessToken);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const spans = exporter.getFinishedSpans();
    const [request] = named(spans, 'query MyCoupons');
    expect(request?.kind).toBe(SpanKind.SERVER);
    expect(request?.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'MyCoupons' });
    const trace = spans.filter((s) => s.spanContext().traceId === request!.spanContext().traceId);
    expect(named(trace, 'gateway.plan')).toHaveLength(1);
    expect(named(trace, 'identity.lookup')).toHaveLength(1);
    const fetches = named(trace, 'subgraph.fetch');
    expect(new Set(fetches.map((f) => f.attributes['graphql.subgraph.name']))).toEqual(new Set(['coupons', 'identity']));
    for (const fetch of fetches) {
      expect(fetch.attributes['http.response.status_code']).toBe(200);
      // The subgraph's server span continues the trace as a child of the gateway's fetch span.
      const served = trace.filter((s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === fetch.spanContext().spanId);
      expect(served, String(fetch.attributes['graphql.subgraph.name'])).toHaveLength(1);
    }
  });

  it('never puts variables or tokens in spans, and stamps the trace id on the request\u2019s log lines', async () => {
    exporter.reset();
    const code = await loginCode(system.simulator, APPS.platform, 'uma');
    const login = await system.graphql<{ login: { accessToken: string } }>(
      'mutation Login($appId: ID!, $code: String!) { login(appId: $appId, code: $code) { accessToken } }',
      { appId: APPS.platform, code },
    );
    const spans = exporter.getFinishedSpans();
    const [request] = named(spans, 'mutation Login');
    expect(request).toBeDefined();
    const everything = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(login.data!.login.accessToken);
    // The identity service logged the new identity while serving this trace.
    const traceId = request!.spanContext().traceId;
    const recorded = system
      .logs()
      .split('\n')
      .filter((line) => line.includes('identity recorded'))
      .map((line) => JSON.parse(line) as { traceId?: string });
    expect(recorded.map((line) => line.traceId)).toContain(traceId);
  });

  it('traces each subscription start: a span per subscribe message, with how it ended, and no variables or token', async () => {
    const { accessToken } = await system.login(APPS.platform, 'vic');
    exporter.reset();
    const socket = await openGraphQLSocket(system.gatewayUrl, { init: bearer(accessToken) });
    socket.subscribe('ok', { query: 'subscription Live($id: ID!) { couponStock(couponId: $id) { remaining } }', variables: { id: 'welcome-10' } });
    socket.subscribe('bad', { query: 'subscription { couponStock(couponId: "welcome-10") { nope } }' });
    await socket.until(() => socket.results('ok').length > 0 && socket.error('bad') !== undefined, 'both answers');
    socket.ws.terminate();
    const starts = named(exporter.getFinishedSpans(), 'subscription.start');
    expect(starts.map((span) => span.attributes['graphql.subscription.outcome']).sort()).toEqual(['refused', 'started']);
    const everything = JSON.stringify(starts.map((s) => ({ attributes: s.attributes, events: s.events })));
    expect(everything).not.toContain('welcome-10');
    expect(everything).not.toContain(accessToken);
  });
});

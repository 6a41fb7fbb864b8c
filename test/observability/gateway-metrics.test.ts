/** The gateway's Prometheus metrics: real counters, bounded labels, requests and subgraph fetches measured. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, openGraphQLSocket } from '../support/graphql-socket.js';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
let token: string;

beforeAll(async () => {
  system = await startSystem();
  token = (await system.login(APPS.platform, 'mia')).accessToken;
});
afterAll(() => system.close());

interface Scrape {
  types: Map<string, string>;
  /** Sample values by series (name plus its labels as written). */
  value(series: string): number;
}

async function scrape(): Promise<Scrape> {
  const text = await (await fetch(system.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const samples = new Map([...text.matchAll(/^(\S+) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  return { types, value: (series) => samples.get(series) ?? 0 };
}

describe('gateway metrics', () => {
  it('exports every gateway *_total metric as a Prometheus counter', async () => {
    const { types } = await scrape();
    const totals = [...types].filter(([name]) => name.startsWith('gateway_') && name.endsWith('_total'));
    expect(totals.map(([name]) => name)).toEqual(
      expect.arrayContaining(['gateway_identity_cache_hits_total', 'gateway_identity_cache_misses_total', 'gateway_subgraph_fetches_deduplicated_total']),
    );
    for (const [name, type] of totals) expect(type, name).toBe('counter');
  });

  it('documents every gateway metric in the README', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const names = [...(await scrape()).types.keys()].filter((name) => name.startsWith('gateway_'));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(readme, name).toContain(`\`${name}\``);
  });

  it('counts identity cache hits as a counter that advances with use', async () => {
    const before = (await scrape()).value('gateway_identity_cache_hits_total');
    for (let i = 0; i < 3; i++) await system.graphql('{ me { id coupons { coupon { id } } } }', undefined, token);
    expect((await scrape()).value('gateway_identity_cache_hits_total')).toBeGreaterThan(before);
  });

  it('times requests by operation type and outcome, and subgraph fetches by subgraph', async () => {
    const before = await scrape();
    await system.graphql('{ me { id } }', undefined, token);
    await system.graphql('{ nope }', undefined, token);
    await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"documentId":"sha256:0"}' });
    await system.graphql('mutation { refreshSession(refreshToken: "not-a-token") { accessToken } }');
    const after = await scrape();
    expect(after.types.get('gateway_request_duration_seconds')).toBe('histogram');
    const count = (s: Scrape, labels: string) => s.value(`gateway_request_duration_seconds_count{${labels}}`);
    expect(count(after, 'operation="query",outcome="ok"') - count(before, 'operation="query",outcome="ok"')).toBe(1);
    // Refused before executing: by the operation's type when the document parsed, "unknown" when not even that.
    expect(count(after, 'operation="query",outcome="rejected"') - count(before, 'operation="query",outcome="rejected"')).toBe(1);
    expect(count(after, 'operation="unknown",outcome="rejected"') - count(before, 'operation="unknown",outcome="rejected"')).toBe(1);
    expect(count(after, 'operation="mutation",outcome="failed"') - count(before, 'operation="mutation",outcome="failed"')).toBe(1);
    const fetches = (s: Scrape) => s.value('gateway_subgraph_fetch_duration_seconds_count{subgraph="identity"}');
    expect(fetches(after) - fetches(before)).toBe(2);
    expect(after.value('gateway_subgraph_fetch_errors_total{subgraph="identity",kind="graphql_errors"}')).toBeGreaterThan(0);
  });

  // Last: it takes the products subgraph down.
  it('counts failed fetches by subgraph and kind', async () => {
    await system.received.products.close();
    await system.graphql('{ products(first: 1) { edges { node { id } } } }', undefined, token);
    expect((await scrape()).value('gateway_subgraph_fetch_errors_total{subgraph="products",kind="network_error"}')).toBe(1);
  });

  it('counts open sockets, subscriptions on each side, and events delivered', async () => {
    const before = await scrape();
    const query = 'subscription($id: ID!) { couponStock(couponId: $id) { remaining } }';
    const sockets = await Promise.all([
      openGraphQLSocket(system.gatewayUrl),
      openGraphQLSocket(system.gatewayUrl),
      openGraphQLSocket(system.gatewayUrl, { init: bearer(token) }),
    ]);
    for (const socket of sockets) socket.subscribe('s', { query, variables: { id: 'welcome-10' } });
    await Promise.all(sockets.map((socket) => socket.until(() => socket.results('s').length > 0, 'the first event')));
    const during = await scrape();
    expect(during.value('gateway_sockets_open') - before.value('gateway_sockets_open')).toBe(3);
    expect(during.value('gateway_subscriptions_active{side="downstream"}') - before.value('gateway_subscriptions_active{side="downstream"}')).toBe(3);
    // Two anonymous subscribers share one upstream subscription; the viewer has its own.
    expect(during.value('gateway_subscriptions_active{side="upstream"}') - before.value('gateway_subscriptions_active{side="upstream"}')).toBe(2);
    expect(
      during.value('gateway_subscription_events_total{outcome="delivered"}') - before.value('gateway_subscription_events_total{outcome="delivered"}'),
    ).toBe(3);
    for (const socket of sockets) socket.ws.close();
    await Promise.all(sockets.map((socket) => socket.closed));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await scrape();
    expect(after.value('gateway_sockets_open')).toBe(before.value('gateway_sockets_open'));
    expect(after.value('gateway_subscriptions_active{side="upstream"}')).toBe(before.value('gateway_subscriptions_active{side="upstream"}'));
  });
});

/**
 * The gateway talks only to what its operator configured: no usage reports to Apollo, no cloud metadata
 * probes. Every HTTP request any library in this process starts is watched through Node's diagnostics channels.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, startSystem, type System } from '../support/system.js';

const hosts = new Set<string>();
const onHttp = (message: unknown) => hosts.add(String((message as { request: ClientRequest }).request.getHeader('host') ?? ''));
const onUndici = (message: unknown) => hosts.add(new URL((message as { request: { origin: string } }).request.origin).host);

let system: System;
beforeAll(async () => {
  subscribe('http.client.request.start', onHttp);
  subscribe('undici:request:create', onUndici);
  system = await startSystem();
});
afterAll(async () => {
  unsubscribe('http.client.request.start', onHttp);
  unsubscribe('undici:request:create', onUndici);
  await system.close();
});

describe('outbound traffic', () => {
  it('goes only to the configured local services while the gateway starts and answers', async () => {
    const session = await system.login(APPS.platform, 'outbound-alice');
    const answer = await system.graphql<{ availableCoupons: unknown[] }>('{ availableCoupons { id } }', undefined, session.accessToken);
    expect(answer.errors).toBeUndefined();
    // Apollo's reporter probes metadata endpoints right after the gateway is built; give it time to show.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(hosts.size).toBeGreaterThan(0);
    for (const host of hosts) expect(host).toMatch(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  });
});

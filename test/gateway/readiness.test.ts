/** Liveness, readiness and shutdown of the real servers: what /readyz checks, a wrong subgraph secret, SIGTERM draining. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../support/fixtures.js';
import { PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

const originOf = (url: string) => new URL(url).origin;
const getJson = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as { status: string; shuttingDown?: boolean; checks: Record<string, string> } };
};

describe('health and readiness', () => {
  it('answers /healthz and /readyz on the gateway and every service, naming what each depends on', async () => {
    const gateway = await getJson(`${originOf(system.gatewayUrl)}/readyz`);
    expect(gateway).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: { identityStore: 'ok', jwks: 'ok', 'subgraph:identity': 'ok', 'subgraph:coupons': 'ok', 'subgraph:products': 'ok' },
      },
    });
    expect((await getJson(`${originOf(system.identity.url)}/readyz`)).body.checks).toEqual({ identityStore: 'ok', signingKeys: 'ok' });
    for (const name of ['coupons', 'products'] as const) {
      const origin = originOf(system.merchantUrl(name));
      expect(await getJson(`${origin}/readyz`)).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok' } } });
      expect((await getJson(`${origin}/healthz`)).status).toBe(200);
    }
    expect((await getJson(`${originOf(system.gatewayUrl)}/healthz`)).status).toBe(200);
  });

  it(
    'logs a subgraph that refuses the gateway\u2019s secret at start-up, and is not ready, naming it',
    async () => {
      const couponsSecret = demoConfig.subgraphs.find((s) => s.name === 'coupons')!.identitySecretEnv;
      const wrong = await system.startGatewayProcess({ env: { [couponsSecret]: 'a-secret-the-coupons-subgraph-does-not-know' } });
      try {
        expect(wrong.output().join('\n')).toMatch(/"level":50[^\n]*subgraph:coupons[^\n]*SUBGRAPH REFUSES THE GATEWAY/);
        const ready = await getJson(`${originOf(wrong.url)}/readyz`);
        expect(ready.status).toBe(503);
        expect(ready.body.checks['subgraph:coupons']).toMatch(/IDENTITY_SIGNATURE_INVALID/);
        expect(ready.body.checks['subgraph:products']).toBe('ok');
      } finally {
        expect(await wrong.stop()).toBe(0);
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it('reports a stopped merchant subgraph as degraded without failing readiness (its fields fail, the rest answers)', async () => {
    await system.stopMerchant('coupons');
    try {
      const ready = await getJson(`${originOf(system.gatewayUrl)}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body.checks['subgraph:coupons']).toMatch(/^degraded: /);
    } finally {
      await system.restartMerchant('coupons');
    }
    expect((await getJson(`${originOf(system.gatewayUrl)}/readyz`)).body.checks['subgraph:coupons']).toBe('ok');
  });
});

describe('SIGTERM', () => {
  it(
    'turns readiness 503, keeps serving while draining, finishes every in-flight request, then exits 0',
    async () => {
      const gateway = await system.startGatewayProcess({ env: { SHUTDOWN_DELAY_MS: '4000', SHUTDOWN_TIMEOUT_MS: '20000' } });
      const origin = originOf(gateway.url);
      const post = async (body: object) => {
        const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: response.status, body: (await response.json()) as { data?: { availableCoupons?: unknown[] }; errors?: unknown[] } };
      };
      // Queries the coupons subgraph answers only after 3 s (longer than the old hard-coded 2 s): in flight when the signal comes.
      system.received.coupons.delayMs = 3000;
      const before = (await gateway.metrics()).gateway_requests_total ?? 0;
      const inFlight = Array.from({ length: 4 }, () => post({ query: '{ availableCoupons { id } }' }));
      while (((await gateway.metrics()).gateway_requests_total ?? 0) < before + inFlight.length) await new Promise((resolve) => setTimeout(resolve, 20));

      process.kill(gateway.pid, 'SIGTERM');
      // During the delay: not ready, yet requests (new connections included) are still answered.
      let ready = await getJson(`${origin}/readyz`);
      while (ready.status === 200) ready = await getJson(`${origin}/readyz`);
      expect(ready).toMatchObject({ status: 503, body: { status: 'not ready', shuttingDown: true } });
      const during = await post({ query: '{ availableCoupons { id } }' });
      expect(during.status).toBe(200);
      expect(during.body.errors).toBeUndefined();

      const answers = await Promise.all(inFlight);
      system.received.coupons.delayMs = 0;
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.errors).toBeUndefined();
        expect(answer.body.data?.availableCoupons?.length).toBeGreaterThan(0);
      }
      expect(await gateway.stop()).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

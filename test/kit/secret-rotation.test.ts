/**
 * Rotating a subgraph's identity secret without downtime: the subgraph takes the new secret and keeps
 * accepting the previous one (`<SECRET_ENV>_PREVIOUS`) while gateways switch; a gateway still signing
 * with the old secret and one already on the new both work, and any other secret is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { readEnvironment } from '../../platform/env.js';
import { subgraphSecrets } from '../../platform/process/service-setup.js';
import { demoConfig } from '../support/fixtures.js';
import { APPS, PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

const OLD_SECRET = 'the-secret-before-the-rotation';
const QUERY = '{ me { coupons { coupon { id } } } availableCoupons { id } }';

let system: System;
beforeAll(async () => {
  system = await startSystem({ previousSecrets: { COUPONS_SUBGRAPH_SECRET: OLD_SECRET } });
});
afterAll(() => system.close());

async function query(url: string, token: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  return (await response.json()) as { data?: { availableCoupons: unknown[] | null } | null; errors?: { extensions?: { code?: string } }[] };
}

describe('identity secret rotation', () => {
  it('reads the previous secret from <SECRET_ENV>_PREVIOUS, and refuses one too short', () => {
    const platform = indexPlatform(demoConfig);
    const env = (extra: Record<string, string>) => readEnvironment({ COUPONS_SUBGRAPH_SECRET: 'the-current-secret-value', ...extra });
    expect(subgraphSecrets(env({}), platform, 'coupons')).toEqual(['the-current-secret-value']);
    expect(subgraphSecrets(env({ COUPONS_SUBGRAPH_SECRET_PREVIOUS: OLD_SECRET }), platform, 'coupons')).toEqual(['the-current-secret-value', OLD_SECRET]);
    expect(() => subgraphSecrets(env({ COUPONS_SUBGRAPH_SECRET_PREVIOUS: 'short' }), platform, 'coupons')).toThrow(
      /COUPONS_SUBGRAPH_SECRET_PREVIOUS is too short/,
    );
  });

  it(
    'serves a gateway signing with the new secret and one still signing with the previous; refuses any other',
    async () => {
      const { accessToken } = await system.login(APPS.acme, 'rotating-rita');
      const current = await query(system.gatewayUrl, accessToken);
      expect(current.errors).toBeUndefined();
      expect(current.data!.availableCoupons!.length).toBeGreaterThan(0);

      const notYetSwitched = await system.startGatewayProcess({ env: { COUPONS_SUBGRAPH_SECRET: OLD_SECRET } });
      expect(await query(notYetSwitched.url, accessToken)).toEqual(current);

      const stranger = await system.startGatewayProcess({ env: { COUPONS_SUBGRAPH_SECRET: 'a-secret-no-subgraph-accepts' } });
      const refused = await query(stranger.url, accessToken);
      expect(refused.data?.availableCoupons ?? null).toBeNull();
      expect(refused.errors?.length).toBeGreaterThan(0);
      expect(system.logs()).toContain('BAD_SIGNATURE');
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

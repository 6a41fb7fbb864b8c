/** Ended sessions stop working at every gateway: at once where they ended, within the poll bound elsewhere. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

const ME = '{ me { id } }';
const LOGOUT = 'mutation($t: String!) { logout(refreshToken: $t) }';
const REFRESH = 'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }';

async function post(url: string, query: string, variables?: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions: { code: string } }[] };
}

/** What the gateway at `url` answers `me` with for this token: OK or the error code. */
const meVia = async (url: string, token: string) => (await post(url, ME, undefined, token)).errors?.[0]?.extensions.code ?? 'OK';

/** Asks until the answer is `expected` or 5 s pass (slack for a loaded machine; the poll interval in tests is 100 ms). */
async function eventually(ask: () => Promise<string>, expected: string): Promise<string> {
  const started = Date.now();
  let seen = await ask();
  while (seen !== expected && Date.now() - started < 5000) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    seen = await ask();
  }
  return seen;
}

describe('session revocation at the gateway', () => {
  it(
    'refuses a logged-out session at once on the gateway that proxied the logout, and on another gateway within its poll interval',
    async () => {
      // The first process polls only every minute: what it refuses at once it can only know from its own refresh.
      const [first, second] = await Promise.all([system.startGatewayProcess({ cachePollMs: 60_000 }), system.startGatewayProcess()]);
      const alice = await system.login(APPS.platform, 'rev-alice');
      // Both gateways have verified (and cached) the token.
      expect(await meVia(first.url, alice.accessToken)).toBe('OK');
      expect(await meVia(second.url, alice.accessToken)).toBe('OK');
      expect(await meVia(system.gatewayUrl, alice.accessToken)).toBe('OK');

      const logout = await post(first.url, LOGOUT, { t: alice.refreshToken });
      expect(logout.data?.logout).toBe(true);
      expect(await meVia(first.url, alice.accessToken)).toBe('UNAUTHENTICATED');
      // Entries would otherwise live until the token expires (15 minutes): the feed did it.
      expect(await eventually(() => meVia(second.url, alice.accessToken), 'UNAUTHENTICATED')).toBe('UNAUTHENTICATED');
      expect(await eventually(() => meVia(system.gatewayUrl, alice.accessToken), 'UNAUTHENTICATED')).toBe('UNAUTHENTICATED');
      // Another session of the same person is untouched.
      const other = await system.login(APPS.platform, 'rev-alice');
      expect(await meVia(first.url, other.accessToken)).toBe('OK');
      expect(await Promise.all([first.stop(), second.stop()])).toEqual([0, 0]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'refuses every access token of a family revoked by refresh-token reuse, also on a gateway started afterwards',
    async () => {
      const bob = await system.login(APPS.platform, 'rev-bob');
      const rotated = await post(system.gatewayUrl, REFRESH, { t: bob.refreshToken });
      const next = (rotated.data?.refreshSession ?? {}) as { accessToken: string };
      expect(await meVia(system.gatewayUrl, next.accessToken)).toBe('OK');

      const reused = await post(system.gatewayUrl, REFRESH, { t: bob.refreshToken });
      expect(reused.errors?.[0]?.extensions.code).toBe('REFRESH_TOKEN_REUSED');
      expect(await meVia(system.gatewayUrl, next.accessToken)).toBe('UNAUTHENTICATED');
      expect(await meVia(system.gatewayUrl, bob.accessToken)).toBe('UNAUTHENTICATED');

      // A gateway that starts later loads the revocations whose tokens may still be valid.
      const late = await system.startGatewayProcess();
      expect(await meVia(late.url, next.accessToken)).toBe('UNAUTHENTICATED');
      expect(await late.stop()).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

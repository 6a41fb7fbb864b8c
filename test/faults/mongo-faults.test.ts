/**
 * The identity store's MongoDB stopped and restarted under a running platform (its own embedded server,
 * so the merchants' databases stay up): warm viewers keep working, the rest fail fast with a code, a
 * login in the outage leaves nothing behind, and everything recovers without restarting anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginCode } from '../support/fixtures.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem({ separateIdentityStore: true });
});
afterAll(() => system.close());

const COUPONS = '{ availableCoupons { id } }';
type Coupons = { availableCoupons: { id: string }[] | null };

/** Retries `attempt` until it passes, for at most `ms` (the store's driver reconnects on its own schedule). */
async function eventually(attempt: () => Promise<void>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('the identity store stopped and restarted', () => {
  it('keeps warm viewers working, fails the rest with IDENTITY_STORE_UNAVAILABLE, loses no write, and recovers by itself', async () => {
    const warm = await system.login(APPS.platform, 'store-warm');
    const cold = await system.login(APPS.platform, 'store-cold');
    const before = await system.graphql<Coupons>(COUPONS, undefined, warm.accessToken);
    expect(before.errors).toBeUndefined();
    const coupons = before.data?.availableCoupons;
    expect(coupons?.length).toBeGreaterThan(0);
    const users = () => system.identityConnection.collection('identities').countDocuments({});

    const identitiesBefore = await users();
    await system.stopIdentityStore();
    try {
      // The warm viewer's identities are cached: the merchant answers as before.
      const warmAnswer = await system.graphql<Coupons>(COUPONS, undefined, warm.accessToken);
      expect(warmAnswer.errors).toBeUndefined();
      expect(warmAnswer.data?.availableCoupons).toEqual(coupons);

      // The cold viewer's lookup needs the store: a registered code, the field null, no driver detail.
      const coldAnswer = await system.graphql<Coupons>(COUPONS, undefined, cold.accessToken);
      expect(coldAnswer.errors?.map((e) => e.extensions?.code)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
      expect(coldAnswer.data?.availableCoupons ?? null).toBeNull();
      expect(JSON.stringify(coldAnswer)).not.toMatch(/127\.0\.0\.1|mongodb:|ECONN/);

      // A login in the outage fails with a code and no tokens.
      const code = await loginCode(system.simulator, APPS.platform, 'store-newcomer');
      const login = await system.graphql<{ login: unknown }>(LOGIN, { appId: APPS.platform, code });
      expect(login.data?.login ?? null).toBeNull();
      expect(login.errors?.map((e) => e.extensions?.code)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
    } finally {
      await system.restartIdentityStore();
    }

    // Recovery without restarting anything: the cold viewer's query and a login work again.
    await eventually(async () => {
      const back = await system.graphql<Coupons>(COUPONS, undefined, cold.accessToken);
      expect(back.errors).toBeUndefined();
      expect(back.data?.availableCoupons).toEqual(coupons);
    });
    // Nothing was half-written by the failed login: the newcomer's identity appears only with a login that succeeds.
    expect(await users()).toBe(identitiesBefore);
    const newcomer = await system.login(APPS.platform, 'store-newcomer');
    expect(newcomer.accessToken).toBeTruthy();
    expect(await users()).toBe(identitiesBefore + 1);
  });
});

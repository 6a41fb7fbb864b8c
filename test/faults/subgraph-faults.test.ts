/** A slow, dead or restarted merchant subgraph, with the real servers: partial answers, never a hang or a 500, and recovery. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
let token: string;
beforeAll(async () => {
  // Products gets its own short time (SUBGRAPH_TIMEOUTS_MS) to keep the test fast; the rest keep the long default.
  system = await startSystem({ subgraphTimeoutMs: 15_000, subgraphTimeoutsMs: { products: 3000 } });
  // Logged in on Bob's mini-program, so the gateway lets favoriteProducts (@policy merchant-identity) reach products.
  token = (await system.login(APPS.bobs, 'fault-alice')).accessToken;
});
afterAll(() => system.close());

const QUERY = '{ me { id favoriteProducts { id } } availableCoupons { id } }';
type Answer = { me: { id: string; favoriteProducts: unknown[] | null }; availableCoupons: { id: string }[] };

/** Asserts the products fields are null with SUBGRAPH_UNAVAILABLE naming products, and the rest answered. */
function expectProductsUnavailable(result: Awaited<ReturnType<System['graphql']>>) {
  const answer = result as Awaited<ReturnType<typeof system.graphql<Answer>>>;
  expect(answer.status).toBe(200);
  expect(answer.data?.me.favoriteProducts).toBeNull();
  expect(answer.data?.me.id).toBeTruthy();
  expect(answer.data?.availableCoupons.length).toBeGreaterThan(0);
  expect(answer.errors?.map((e) => [e.extensions?.code, e.extensions?.subgraph])).toEqual([['SUBGRAPH_UNAVAILABLE', 'products']]);
  expect(JSON.stringify(answer)).not.toMatch(/127\.0\.0\.1|http:|ECONN/);
}

describe('a merchant subgraph that fails', () => {
  it('answers the other fields when it is slower than the timeout, naming it with SUBGRAPH_UNAVAILABLE', async () => {
    system.received.products.delayMs = 60_000;
    try {
      expectProductsUnavailable(await system.graphql(QUERY, undefined, token));
    } finally {
      system.received.products.delayMs = 0;
    }
  });

  it("gives each subgraph its own time: a coupons answer slower than products' limit but within its own still arrives", async () => {
    system.received.coupons.delayMs = 4000;
    try {
      const answer = await system.graphql<Answer>(QUERY, undefined, token);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.availableCoupons.length).toBeGreaterThan(0);
    } finally {
      system.received.coupons.delayMs = 0;
    }
  });

  it('answers the other fields while it is stopped, and its own again once restarted, without restarting the gateway', async () => {
    await system.stopMerchant('products');
    expectProductsUnavailable(await system.graphql(QUERY, undefined, token));
    await system.restartMerchant('products');
    // The products subgraph itself answers again: alice's favourites, which only it knows.
    const back = await system.graphql<Answer>(QUERY, undefined, token);
    expect(back.errors).toBeUndefined();
    expect(back.data?.me.favoriteProducts).toEqual([]);
    expect(back.data?.availableCoupons.length).toBeGreaterThan(0);
  });
});

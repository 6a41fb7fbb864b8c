/** The merchant subgraphs, written as merchant teams would, driven through the gateway. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem({
    coupons: [
      { _id: 'scarce', title: 'Only three', discountCents: 500, stock: 3 },
      { _id: 'plenty', title: 'Lots', discountCents: 100, stock: 100 },
    ],
  });
});
afterAll(() => system.close());

const CLAIM = `mutation($id: ID!) { claimCoupon(couponId: $id) { claimedAt coupon { id remaining } } }`;
type Claim = { claimCoupon: { claimedAt: string; coupon: { id: string; remaining: number } } };
const remaining = async (id: string) =>
  (await system.graphql<{ availableCoupons: { id: string; remaining: number }[] }>(`{ availableCoupons { id remaining } }`)).data!.availableCoupons.find(
    (c) => c.id === id,
  )?.remaining ?? 0;

describe('coupons (ACME)', () => {
  it('never sells below zero when many people claim the last units at once', async () => {
    const people = await Promise.all(Array.from({ length: 10 }, (_, i) => system.login(APPS.acme, `buyer${i}`)));
    const results = await Promise.all(people.map((p) => system.graphql<Claim>(CLAIM, { id: 'scarce' }, p.accessToken)));
    const won = results.filter((r) => r.data?.claimCoupon);
    const lost = results.filter((r) => r.errors?.[0]?.extensions?.code === 'OUT_OF_STOCK');
    expect(won).toHaveLength(3);
    expect(lost).toHaveLength(7);
    expect(await remaining('scarce')).toBe(0);
  });

  it('is idempotent per OpenID, even for concurrent claims by the same person', async () => {
    const person = await system.login(APPS.acme, 'repeat');
    const before = await remaining('plenty');
    const results = await Promise.all(Array.from({ length: 6 }, () => system.graphql<Claim>(CLAIM, { id: 'plenty' }, person.accessToken)));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(new Set(results.map((r) => r.data!.claimCoupon.claimedAt)).size).toBe(1);
    expect(await remaining('plenty')).toBe(before - 1);
    const mine = await system.graphql<{ me: { coupons: unknown[] } }>(`{ me { coupons { coupon { id } } } }`, undefined, person.accessToken);
    expect(mine.data?.me.coupons).toHaveLength(1);
  });

  it('answers unknown and malformed coupons, and anonymous claims, with their codes', async () => {
    const person = await system.login(APPS.acme, 'picky');
    expect((await system.graphql(CLAIM, { id: 'no-such-coupon' }, person.accessToken)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await system.graphql(CLAIM, { id: 'Bad Id!' }, person.accessToken)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // claimCoupon's @policy needs a logged-in viewer: the gateway refuses an anonymous claim before ACME is asked.
    const before = system.received.coupons.requests.length;
    const anonymous = await system.graphql(CLAIM, { id: 'plenty' });
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' });
    expect(system.received.coupons.requests.length).toBe(before);
  });
});

describe('products (Bob\u2019s)', () => {
  const PAGE = `query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
  type Page = { products: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

  it('pages through the catalogue with cursors, each product once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: Page = (await system.graphql<Page>(PAGE, { first: 10, after })).data!;
      seen.push(...page.products.edges.map((e) => e.node.id));
      if (!page.products.pageInfo.hasNextPage) break;
      after = page.products.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('refuses a bad page size and a forged cursor with BAD_USER_INPUT', async () => {
    expect((await system.graphql(PAGE, { first: 0 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await system.graphql(PAGE, { first: 101 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await system.graphql(PAGE, { first: 5, after: 'not-a-cursor' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps favourites per OpenID in Bob\u2019s own app', async () => {
    const carol = await system.login(APPS.bobs, 'carol');
    await system.graphql(
      `mutation { a: favoriteProduct(productId: "p003") { id } b: favoriteProduct(productId: "p003") { id } }`,
      undefined,
      carol.accessToken,
    );
    const mine = await system.graphql<{ me: { favoriteProducts: { id: string }[] } }>(`{ me { favoriteProducts { id name } } }`, undefined, carol.accessToken);
    expect(mine.data?.me.favoriteProducts.map((p) => p.id)).toEqual(['p003']);
    const dave = await system.login(APPS.bobs, 'dave');
    const his = await system.graphql<{ me: { favoriteProducts: unknown[] } }>(`{ me { favoriteProducts { id } } }`, undefined, dave.accessToken);
    expect(his.data?.me.favoriteProducts).toEqual([]);
    expect((await system.graphql(`mutation { favoriteProduct(productId: "nope") { id } }`, undefined, carol.accessToken)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
  });
});

/**
 * `Subscription.couponStock` and `Coupon.claimedByMe` as the kit runs them: graphql-js `subscribe` on
 * the coupons subgraph's schema, with the context the service builds from verified claims (the same for
 * HTTP requests and subscriptions). The first event is the coupon as it is, then one per change;
 * `claimedByMe` is one store query per event however many subscribers resolve it.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { createRequire } from 'node:module';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MerchantViewer, loadTypeDefs, type IdentityClaims } from '@identity-federation-gateway/subgraph-kit';
import { CouponEventLog } from '../../subgraphs/coupons/coupon-events.js';
import { CouponFeed } from '../../subgraphs/coupons/coupon-feed.js';
import { CouponStore } from '../../subgraphs/coupons/coupon-store.js';
import { couponsContext } from '../../subgraphs/coupons/coupons-service.js';
import { claimedLoader, resolvers, type CouponsContext } from '../../subgraphs/coupons/resolvers.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';
import { captureLogs, eventually } from './coupon-test-support.js';

// @apollo/subgraph builds the schema with Node's (CommonJS) graphql, which Vite's ESM copy refuses: run it with that one.
const { parse, subscribe } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const MERCHANT = 'acme';
const STOCK = `subscription($id: ID!) { couponStock(couponId: $id) { id title remaining claimedByMe } }`;
type Stock = { couponStock: { id: string; title: string; remaining: number; claimedByMe: boolean | null } };

let mongo: TestMongo;
let connection: Connection;
let store: CouponStore;
let feed: CouponFeed;
let schema: GraphQLSchema;
let contextOf: (identity: IdentityClaims | undefined, requestId: string) => CouponsContext;

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongoose.createConnection(mongo.uri('coupon_stock')).asPromise();
  const logs = captureLogs();
  const log = new CouponEventLog(connection, logs.logger);
  store = new CouponStore(connection, log);
  await store.init([
    { _id: 'live', title: 'Live room', discountCents: 500, stock: 100 },
    { _id: 'batch', title: 'Batch', discountCents: 500, stock: 100 },
    { _id: 'codes', title: 'Codes', discountCents: 500, stock: 100 },
  ]);
  feed = new CouponFeed(log, async (id) => (await store.couponsByIds([id])).get(id), logs.logger, { changeStreams: 'off', pollIntervalMs: 20 });
  const typeDefs = loadTypeDefs(new URL('../../subgraphs/coupons/schema.graphql', import.meta.url));
  // As the kit builds it (its ResolverMap is the same shape as @apollo/subgraph's unexported one).
  schema = buildSubgraphSchema({ typeDefs, resolvers } as unknown as Parameters<typeof buildSubgraphSchema>[0]);
  const extend = couponsContext({ store, feed, claimed: claimedLoader(store) });
  // As startMerchantService builds each request's context from the verified claims.
  contextOf = (identity, requestId) => extend({ viewer: MerchantViewer.fromClaims(MERCHANT, identity), requestId });
});
afterAll(async () => {
  await feed.close();
  await connection.close();
  await mongo.close();
});

/** Claims as the gateway sends them: anonymous ones name the merchant only; a viewer's carry a pseudonym. */
function claims(viewer?: { openId?: string; consentMissing?: true }): IdentityClaims {
  const now = Math.floor(Date.now() / 1000);
  const base: IdentityClaims = { v: 1, sg: 'coupons', iat: now, exp: now + 30, mid: MERCHANT, app: 'wx3000000000000001' };
  if (!viewer) return base;
  return { ...base, psu: `u_${viewer.openId ?? 'unlinked'}`, ...(viewer.openId ? { oid: viewer.openId } : {}), ...(viewer.consentMissing ? { cr: true } : {}) };
}

async function subscribeAs(identity: IdentityClaims | undefined, couponId: string) {
  return subscribe({ schema, document: parse(STOCK), variableValues: { id: couponId }, contextValue: contextOf(identity, 'request-1') });
}

async function stream(identity: IdentityClaims | undefined, couponId: string) {
  const result = await subscribeAs(identity, couponId);
  if (!(Symbol.asyncIterator in result)) throw new Error(`not a stream: ${JSON.stringify(result)}`);
  return result as AsyncGenerator<ExecutionResult<Stock>>;
}

describe('Subscription.couponStock', () => {
  it('emits the coupon as it is first, then again after each change, and stops listening when the client leaves', async () => {
    const events = await stream(undefined, 'live');
    expect((await events.next()).value).toEqual({ data: { couponStock: { id: 'live', title: 'Live room', remaining: 100, claimedByMe: null } } });
    await store.claim('live', 'someone', new Date());
    await store.claim('live', 'someone-else', new Date());
    expect((await events.next()).value.data.couponStock.remaining).toBe(99);
    expect((await events.next()).value.data.couponStock.remaining).toBe(98);
    expect(feed.followed().get('live')).toBe(1);
    await events.return(undefined);
    expect(feed.followed().has('live')).toBe(false);
  });

  it('refuses a malformed coupon id with BAD_USER_INPUT and an unknown coupon with NOT_FOUND', async () => {
    const malformed = (await subscribeAs(undefined, 'Bad Id!')) as ExecutionResult;
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = (await subscribeAs(undefined, 'no-such-coupon')) as ExecutionResult;
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(feed.followed().size).toBe(0);
  });
});

describe('Coupon.claimedByMe', () => {
  it('answers each subscriber for themselves with one store query per event', async () => {
    const viewers = Array.from({ length: 20 }, (_, i) => `openid-${i}`);
    for (const openId of viewers.slice(0, 5)) await store.claim('batch', openId, new Date());
    const streams = await Promise.all(viewers.map((openId) => stream(claims({ openId }), 'batch')));
    const first = await Promise.all(streams.map((s) => s.next()));
    expect(first.map((r) => r.value.data.couponStock.claimedByMe)).toEqual(viewers.map((_, i) => i < 5));

    const claimedBy = vi.spyOn(store, 'claimedBy');
    const next = Promise.all(streams.map((s) => s.next()));
    await store.claim('batch', 'openid-7', new Date());
    const answers = (await next).map((r) => r.value.data.couponStock);
    expect(answers.every((a) => a.remaining === 94)).toBe(true);
    expect(answers.map((a) => a.claimedByMe)).toEqual(viewers.map((_, i) => i < 5 || i === 7));
    expect(claimedBy).toHaveBeenCalledTimes(1);
    claimedBy.mockRestore();
    await Promise.all(streams.map((s) => s.return(undefined)));
  });

  it('is null without an error for anonymous viewers, and null with the kit’s code for viewers without an ACME OpenID', async () => {
    const cases = [
      { identity: undefined, code: undefined },
      { identity: claims(), code: undefined },
      { identity: claims({}), code: 'MERCHANT_IDENTITY_NOT_LINKED' },
      { identity: claims({ consentMissing: true }), code: 'CONSENT_REQUIRED' },
    ];
    for (const { identity, code } of cases) {
      const events = await stream(identity, 'codes');
      const { value } = await events.next();
      expect(value.data.couponStock).toMatchObject({ id: 'codes', claimedByMe: null });
      if (code)
        expect(value.errors?.map((e: { path?: unknown; extensions?: { code?: unknown } }) => [e.path, e.extensions?.code])).toEqual([
          [['couponStock', 'claimedByMe'], code],
        ]);
      else expect(value.errors).toBeUndefined();
      await events.return(undefined);
    }
    await eventually(() => feed.followed().size === 0);
  });
});

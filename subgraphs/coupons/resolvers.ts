/** Coupon resolvers. The viewer's OpenID comes from the kit; nothing here sees headers or signatures. */
import DataLoader from 'dataloader';
import { PlatformError, badInput } from '../../platform/errors.js';
import { DateTime, type MerchantContext, type ResolverMap } from '@identity-federation-gateway/subgraph-kit';
import type { CouponFeed } from './coupon-feed.js';
import { claimKeyString, type ClaimDoc, type ClaimKey, type CouponDoc, type CouponStore } from './coupon-store.js';
import { couponStockUpdates } from './stock-updates.js';

export interface CouponsContext extends MerchantContext {
  store: CouponStore;
  /** Per request. */
  coupons: DataLoader<string, CouponDoc | undefined>;
  /** Process-wide, so one event's `claimedByMe` for every subscriber is one store query (see `claimedLoader`). */
  claimed: DataLoader<ClaimKey, boolean>;
  /** The process's coupon stock feed (`Subscription.couponStock`). */
  feed: CouponFeed;
}

export function couponLoader(store: CouponStore): DataLoader<string, CouponDoc | undefined> {
  return new DataLoader(async (ids) => {
    const found = await store.couponsByIds(ids);
    return ids.map((id) => found.get(id));
  });
}

/** Most (coupon, OpenID) pairs in one `claimedBy` query. */
export const CLAIMED_BATCH_SIZE = 5000;

/**
 * Whether viewers hold claims, for the whole process: one event reaches every subscriber of a coupon at
 * once, and each subscription resolves `claimedByMe` with its own context, so a per-request loader would
 * query once per subscriber. Nothing is cached (claims change); a batch is what one turn of the event loop
 * asked for (`setImmediate`, so every subscriber's execution of the event joins it).
 */
export function claimedLoader(store: CouponStore): DataLoader<ClaimKey, boolean> {
  return new DataLoader(
    async (keys) => {
      const held = await store.claimedBy(keys);
      return keys.map((key) => held.has(claimKeyString(key)));
    },
    { cache: false, maxBatchSize: CLAIMED_BATCH_SIZE, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
}

const COUPON_ID = /^[a-z0-9-]{1,64}$/;
const toCoupon = (doc: CouponDoc) => ({ id: doc._id, title: doc.title, discountCents: doc.discountCents, remaining: doc.stock });
const toClaim = (claim: ClaimDoc) => ({ couponId: claim.couponId, claimedAt: claim.claimedAt });
type Coupon = ReturnType<typeof toCoupon>;

// graphql-js calls `subscribe` once for the subscription's source stream, then `resolve` for each of its events.
const couponStock = {
  subscribe: async (_root: unknown, { couponId }: { couponId: string }, ctx: CouponsContext) => {
    if (!COUPON_ID.test(couponId)) throw badInput('couponId is malformed.');
    const updates = await couponStockUpdates(ctx.feed, couponId);
    if (!updates) throw new PlatformError('NOT_FOUND', 'No such coupon.');
    return updates;
  },
  resolve: (coupon: CouponDoc) => toCoupon(coupon),
};

export const resolvers: ResolverMap<CouponsContext> = {
  DateTime,
  Query: {
    availableCoupons: async (_root, _args, ctx) => (await ctx.store.available()).map(toCoupon),
  },
  Subscription: { couponStock },
  Mutation: {
    claimCoupon: async (_root, { couponId }: { couponId: string }, ctx) => {
      if (!COUPON_ID.test(couponId)) throw badInput('couponId is malformed.');
      const outcome = await ctx.store.claim(couponId, ctx.viewer.requireOpenId(), new Date());
      if (outcome.kind === 'not_found') throw new PlatformError('NOT_FOUND', 'No such coupon.');
      if (outcome.kind === 'out_of_stock') throw new PlatformError('OUT_OF_STOCK', 'This coupon has run out.');
      ctx.coupons.clear(couponId);
      return toClaim(outcome.claim);
    },
  },
  CouponClaim: {
    coupon: async (claim: { couponId: string }, _args: unknown, ctx: CouponsContext) => {
      const coupon = await ctx.coupons.load(claim.couponId);
      if (!coupon) throw new PlatformError('NOT_FOUND', 'The coupon no longer exists.');
      return toCoupon(coupon);
    },
  },
  Coupon: {
    __resolveReference: async (ref: { id: string }, ctx: CouponsContext) => {
      const coupon = await ctx.coupons.load(ref.id);
      return coupon ? toCoupon(coupon) : null;
    },
    claimedByMe: (coupon: Coupon, _args: unknown, ctx: CouponsContext) =>
      ctx.viewer.anonymous ? null : ctx.claimed.load({ couponId: coupon.id, openId: ctx.viewer.requireOpenId() }),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    coupons: async (user: { id: string }, _args: unknown, ctx: CouponsContext) => {
      if (!ctx.viewer.isViewer(user.id)) throw new PlatformError('FORBIDDEN', 'Coupons are visible to their owner only.');
      return (await ctx.store.claimsOf(ctx.viewer.requireOpenId())).map(toClaim);
    },
  },
};

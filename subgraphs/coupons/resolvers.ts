/** Coupon resolvers. The viewer's OpenID comes from the kit; nothing here sees headers or signatures. */
import DataLoader from 'dataloader';
import { PlatformError, badInput } from '../../platform/errors.js';
import { DateTime, type MerchantContext, type ResolverMap } from '@identity-federation-gateway/subgraph-kit';
import type { ClaimDoc, CouponDoc, CouponStore } from './coupon-store.js';

export interface CouponsContext extends MerchantContext {
  store: CouponStore;
  coupons: DataLoader<string, CouponDoc | undefined>;
}

export function couponLoader(store: CouponStore): DataLoader<string, CouponDoc | undefined> {
  return new DataLoader(async (ids) => {
    const found = await store.couponsByIds(ids);
    return ids.map((id) => found.get(id));
  });
}

const COUPON_ID = /^[a-z0-9-]{1,64}$/;
const toCoupon = (doc: CouponDoc) => ({ id: doc._id, title: doc.title, discountCents: doc.discountCents, remaining: doc.stock });
const toClaim = (claim: ClaimDoc) => ({ couponId: claim.couponId, claimedAt: claim.claimedAt });

export const resolvers: ResolverMap<CouponsContext> = {
  DateTime,
  Query: {
    availableCoupons: async (_root, _args, ctx) => (await ctx.store.available()).map(toCoupon),
  },
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
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    coupons: async (user: { id: string }, _args: unknown, ctx: CouponsContext) => {
      if (!ctx.viewer.isViewer(user.id)) throw new PlatformError('FORBIDDEN', 'Coupons are visible to their owner only.');
      return (await ctx.store.claimsOf(ctx.viewer.requireOpenId())).map(toClaim);
    },
  },
};

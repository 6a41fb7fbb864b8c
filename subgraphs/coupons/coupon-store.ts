/**
 * ACME's coupon data, keyed by ACME's own OpenID as it would be behind its own mini-program. Claims are
 * idempotent per OpenID (a unique index), and stock is taken with one conditional atomic decrement, so
 * it never goes below zero however many claims race.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../../platform/identity-store/models.js';

export interface CouponDoc {
  _id: string;
  title: string;
  discountCents: number;
  stock: number;
}

export interface ClaimDoc {
  couponId: string;
  openId: string;
  claimedAt: Date;
}

const CouponSchema = new Schema<CouponDoc>(
  { _id: String, title: { type: String, required: true }, discountCents: { type: Number, required: true }, stock: { type: Number, required: true, min: 0 } },
  { collection: 'coupons', versionKey: false },
);
const ClaimSchema = new Schema<ClaimDoc>(
  { couponId: { type: String, required: true }, openId: { type: String, required: true }, claimedAt: { type: Date, required: true } },
  { collection: 'claims', versionKey: false },
);
ClaimSchema.index({ couponId: 1, openId: 1 }, { unique: true });
ClaimSchema.index({ openId: 1, claimedAt: -1 });

export type ClaimOutcome = { kind: 'claimed'; claim: ClaimDoc } | { kind: 'already'; claim: ClaimDoc } | { kind: 'not_found' } | { kind: 'out_of_stock' };

export class CouponStore {
  private readonly Coupon: Model<CouponDoc>;
  private readonly Claim: Model<ClaimDoc>;

  constructor(connection: Connection) {
    this.Coupon = connection.model<CouponDoc>('Coupon', CouponSchema);
    this.Claim = connection.model<ClaimDoc>('Claim', ClaimSchema);
  }

  async init(seed: CouponDoc[] = []): Promise<void> {
    await Promise.all([this.Coupon.createIndexes(), this.Claim.createIndexes()]);
    // Seeding never resets stock that claims have already taken.
    for (const coupon of seed) await this.Coupon.updateOne({ _id: coupon._id }, { $setOnInsert: coupon }, { upsert: true }).exec();
  }

  available(): Promise<CouponDoc[]> {
    return this.Coupon.find({ stock: { $gt: 0 } })
      .sort({ _id: 1 })
      .lean<CouponDoc[]>()
      .exec();
  }

  async couponsByIds(ids: readonly string[]): Promise<Map<string, CouponDoc>> {
    const docs = await this.Coupon.find({ _id: { $in: ids } })
      .lean<CouponDoc[]>()
      .exec();
    return new Map(docs.map((d) => [d._id, d]));
  }

  /** Deletes every claim made under these OpenIDs (the platform's erasure notice); safe to repeat. */
  async forget(openIds: readonly string[]): Promise<void> {
    await this.Claim.deleteMany({ openId: { $in: openIds } }).exec();
  }

  claimsOf(openId: string): Promise<ClaimDoc[]> {
    return this.Claim.find({ openId }).sort({ claimedAt: 1 }).lean<ClaimDoc[]>().exec();
  }

  async claim(couponId: string, openId: string, now: Date): Promise<ClaimOutcome> {
    const existing = await this.Claim.findOne({ couponId, openId }).lean<ClaimDoc>().exec();
    if (existing) return { kind: 'already', claim: existing };
    const taken = await this.Coupon.findOneAndUpdate({ _id: couponId, stock: { $gt: 0 } }, { $inc: { stock: -1 } })
      .lean()
      .exec();
    if (!taken) return (await this.Coupon.exists({ _id: couponId })) ? { kind: 'out_of_stock' } : { kind: 'not_found' };
    try {
      const claim: ClaimDoc = { couponId, openId, claimedAt: now };
      await this.Claim.create(claim);
      return { kind: 'claimed', claim };
    } catch (error) {
      // The same person claimed concurrently and won: give the unit back and answer with their claim.
      await this.Coupon.updateOne({ _id: couponId }, { $inc: { stock: 1 } }).exec();
      if (!isDuplicateKeyError(error)) throw error;
      const winner = await this.Claim.findOne({ couponId, openId }).lean<ClaimDoc>().exec();
      return { kind: 'already', claim: winner! };
    }
  }
}

/** The coupons a fresh demo starts with. */
export const DEMO_COUPONS: CouponDoc[] = [
  { _id: 'welcome-10', title: '10 off your first order', discountCents: 1000, stock: 1000 },
  { _id: 'flash-50', title: 'Flash sale: 50 off', discountCents: 5000, stock: 5 },
];

/**
 * ACME's coupon data, keyed by ACME's own OpenID as it would be behind its own mini-program. Claims are
 * idempotent per OpenID (a unique index), and stock is taken with one conditional atomic decrement, so
 * it never goes below zero however many claims race. The same update bumps the coupon's `version`, and
 * each change is recorded in the event log, so subscribers in every process see it.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../../platform/identity-store/models.js';
import type { CouponEventLog } from './coupon-events.js';

export interface CouponDoc {
  _id: string;
  title: string;
  discountCents: number;
  stock: number;
  /** How many times the stock changed (absent, i.e. 0, until the first change). */
  version?: number;
}

export interface ClaimDoc {
  couponId: string;
  openId: string;
  claimedAt: Date;
}

const CouponSchema = new Schema<CouponDoc>(
  {
    _id: String,
    title: { type: String, required: true },
    discountCents: { type: Number, required: true },
    stock: { type: Number, required: true, min: 0 },
    version: { type: Number },
  },
  { collection: 'coupons', versionKey: false },
);
const ClaimSchema = new Schema<ClaimDoc>(
  { couponId: { type: String, required: true }, openId: { type: String, required: true }, claimedAt: { type: Date, required: true } },
  { collection: 'claims', versionKey: false },
);
ClaimSchema.index({ couponId: 1, openId: 1 }, { unique: true });
ClaimSchema.index({ openId: 1, claimedAt: -1 });

/** A viewer's claim on a coupon, as `claimedBy` looks it up. */
export interface ClaimKey {
  couponId: string;
  openId: string;
}

export type ClaimOutcome = { kind: 'claimed'; claim: ClaimDoc } | { kind: 'already'; claim: ClaimDoc } | { kind: 'not_found' } | { kind: 'out_of_stock' };

export class CouponStore {
  private readonly Coupon: Model<CouponDoc>;
  private readonly Claim: Model<ClaimDoc>;

  constructor(
    connection: Connection,
    private readonly events: CouponEventLog,
  ) {
    this.Coupon = connection.model<CouponDoc>('Coupon', CouponSchema);
    this.Claim = connection.model<ClaimDoc>('Claim', ClaimSchema);
  }

  async init(seed: CouponDoc[] = []): Promise<void> {
    await Promise.all([this.Coupon.createIndexes(), this.Claim.createIndexes(), this.events.init()]);
    // Seeding never resets stock that claims have already taken.
    for (const coupon of seed) await this.Coupon.updateOne({ _id: coupon._id }, { $setOnInsert: { version: 0, ...coupon } }, { upsert: true }).exec();
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

  /** Which of these (coupon, OpenID) pairs hold a claim, as `couponId + "\0" + openId` (one query). */
  async claimedBy(keys: readonly ClaimKey[]): Promise<Set<string>> {
    const byCoupon = new Map<string, string[]>();
    for (const { couponId, openId } of keys) {
      const openIds = byCoupon.get(couponId);
      if (openIds) openIds.push(openId);
      else byCoupon.set(couponId, [openId]);
    }
    if (byCoupon.size === 0) return new Set();
    const found = await this.Claim.find(
      { $or: [...byCoupon].map(([couponId, openIds]) => ({ couponId, openId: { $in: openIds } })) },
      { _id: 0, couponId: 1, openId: 1 },
    )
      .lean<ClaimKey[]>()
      .exec();
    return new Set(found.map(claimKeyString));
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
    const taken = await this.changeStock({ _id: couponId, stock: { $gt: 0 } }, -1, now);
    if (!taken) return (await this.Coupon.exists({ _id: couponId })) ? { kind: 'out_of_stock' } : { kind: 'not_found' };
    try {
      const claim: ClaimDoc = { couponId, openId, claimedAt: now };
      await this.Claim.create(claim);
      return { kind: 'claimed', claim };
    } catch (error) {
      // The same person claimed concurrently and won: give the unit back and answer with their claim.
      await this.changeStock({ _id: couponId }, 1, new Date());
      if (!isDuplicateKeyError(error)) throw error;
      const winner = await this.Claim.findOne({ couponId, openId }).lean<ClaimDoc>().exec();
      return { kind: 'already', claim: winner! };
    }
  }

  /**
   * Changes a coupon's stock by `delta` and bumps its version in one atomic update, then records the
   * change in the event log. Undefined when `filter` matched no coupon.
   */
  private async changeStock(filter: { _id: string; stock?: { $gt: number } }, delta: 1 | -1, at: Date): Promise<CouponDoc | undefined> {
    const changed = await this.Coupon.findOneAndUpdate(filter, { $inc: { stock: delta, version: 1 } }, { returnDocument: 'after' })
      .lean<CouponDoc>()
      .exec();
    if (!changed) return undefined;
    await this.events.append({ couponId: changed._id, version: changed.version!, remaining: changed.stock, at });
    return changed;
  }
}

/** The string `claimedBy` answers with for a (coupon, OpenID) pair. */
export const claimKeyString = (key: ClaimKey): string => `${key.couponId}\0${key.openId}`;

/** The coupons a fresh demo starts with. */
export const DEMO_COUPONS: CouponDoc[] = [
  { _id: 'welcome-10', title: '10 off your first order', discountCents: 1000, stock: 1000 },
  { _id: 'flash-50', title: 'Flash sale: 50 off', discountCents: 5000, stock: 5 },
];

/** Bob's product catalogue and favourites, keyed by Bob's own OpenID. */
import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../../platform/identity-store/models.js';

export interface ProductDoc {
  _id: string;
  name: string;
  priceCents: number;
}

export interface FavoriteDoc {
  openId: string;
  productId: string;
  createdAt: Date;
}

const ProductSchema = new Schema<ProductDoc>(
  { _id: String, name: { type: String, required: true }, priceCents: { type: Number, required: true } },
  { collection: 'products', versionKey: false },
);
const FavoriteSchema = new Schema<FavoriteDoc>(
  { openId: { type: String, required: true }, productId: { type: String, required: true }, createdAt: { type: Date, required: true } },
  { collection: 'favorites', versionKey: false },
);
FavoriteSchema.index({ openId: 1, productId: 1 }, { unique: true });

export class ProductStore {
  private readonly Product: Model<ProductDoc>;
  private readonly Favorite: Model<FavoriteDoc>;

  constructor(connection: Connection) {
    this.Product = connection.model<ProductDoc>('Product', ProductSchema);
    this.Favorite = connection.model<FavoriteDoc>('Favorite', FavoriteSchema);
  }

  async init(seed: ProductDoc[] = []): Promise<void> {
    await Promise.all([this.Product.createIndexes(), this.Favorite.createIndexes()]);
    for (const product of seed) await this.Product.updateOne({ _id: product._id }, { $setOnInsert: product }, { upsert: true }).exec();
  }

  /** Up to `limit` products after `afterId` in id order. */
  page(limit: number, afterId?: string): Promise<ProductDoc[]> {
    return this.Product.find(afterId === undefined ? {} : { _id: { $gt: afterId } })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<ProductDoc[]>()
      .exec();
  }

  async productsByIds(ids: readonly string[]): Promise<Map<string, ProductDoc>> {
    const docs = await this.Product.find({ _id: { $in: ids } })
      .lean<ProductDoc[]>()
      .exec();
    return new Map(docs.map((d) => [d._id, d]));
  }

  /** Adds a favourite; favouriting twice is a no-op. */
  async favorite(openId: string, productId: string, now: Date): Promise<void> {
    try {
      await this.Favorite.updateOne({ openId, productId }, { $setOnInsert: { createdAt: now } }, { upsert: true }).exec();
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  async favoritesOf(openId: string): Promise<string[]> {
    const docs = await this.Favorite.find({ openId }).sort({ createdAt: 1 }).lean<FavoriteDoc[]>().exec();
    return docs.map((d) => d.productId);
  }
}

export const DEMO_PRODUCTS: ProductDoc[] = Array.from({ length: 25 }, (_, i) => ({
  _id: `p${String(i + 1).padStart(3, '0')}`,
  name: `Bob's product #${i + 1}`,
  priceCents: 990 + i * 100,
}));

/** Product resolvers: cursor pagination over the catalogue, favourites by the viewer's OpenID. */
import DataLoader from 'dataloader';
import { PlatformError, badInput } from '../../platform/errors.js';
import type { MerchantContext, ResolverMap } from '@identity-federation-gateway/subgraph-kit';
import type { ProductDoc, ProductStore } from './product-store.js';

export interface ProductsContext extends MerchantContext {
  store: ProductStore;
  products: DataLoader<string, ProductDoc | undefined>;
}

export function productLoader(store: ProductStore): DataLoader<string, ProductDoc | undefined> {
  return new DataLoader(async (ids) => {
    const found = await store.productsByIds(ids);
    return ids.map((id) => found.get(id));
  });
}

const PRODUCT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const toProduct = (doc: ProductDoc) => ({ id: doc._id, name: doc.name, priceCents: doc.priceCents });
const encodeCursor = (id: string) => Buffer.from(`product:${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('product:') || !PRODUCT_ID.test(decoded.slice(8))) throw badInput('after is not a cursor this API returned.');
  return decoded.slice(8);
}

export const resolvers: ResolverMap<ProductsContext> = {
  Query: {
    products: async (_root, args: { first: number; after?: string | null }, ctx) => {
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > 100) throw badInput('first must be between 1 and 100.');
      const page = await ctx.store.page(args.first + 1, args.after ? decodeCursor(args.after) : undefined);
      const nodes = page.slice(0, args.first);
      return {
        edges: nodes.map((doc) => ({ cursor: encodeCursor(doc._id), node: toProduct(doc) })),
        pageInfo: { hasNextPage: page.length > args.first, endCursor: nodes.length ? encodeCursor(nodes[nodes.length - 1]!._id) : null },
      };
    },
  },
  Mutation: {
    favoriteProduct: async (_root, { productId }: { productId: string }, ctx) => {
      if (!PRODUCT_ID.test(productId)) throw badInput('productId is malformed.');
      const openId = ctx.viewer.requireOpenId();
      const product = await ctx.products.load(productId);
      if (!product) throw new PlatformError('NOT_FOUND', 'No such product.');
      await ctx.store.favorite(openId, productId, new Date());
      return toProduct(product);
    },
  },
  Product: {
    __resolveReference: async (ref: { id: string }, ctx: ProductsContext) => {
      const product = await ctx.products.load(ref.id);
      return product ? toProduct(product) : null;
    },
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    favoriteProducts: async (user: { id: string }, _args: unknown, ctx: ProductsContext) => {
      if (!ctx.viewer.isViewer(user.id)) throw new PlatformError('FORBIDDEN', 'Favourites are visible to their owner only.');
      const ids = await ctx.store.favoritesOf(ctx.viewer.requireOpenId());
      const products = await ctx.products.loadMany(ids);
      return products.filter((p): p is ProductDoc => !!p && !(p instanceof Error)).map(toProduct);
    },
  },
};

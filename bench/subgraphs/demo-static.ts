/**
 * Scenario (a)'s subgraphs: the real identity, coupons and products schemas with fixed answers. The
 * subgraphs' work is then the same whether the gateway injects identities or not, so comparing the
 * two measures exactly what injection costs.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import { DateTime, loadTypeDefs } from '@identity-federation-gateway/subgraph-kit';

const schemaOf = (name: string) => loadTypeDefs(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url));
const [identity, coupons, products] = ['identity', 'coupons', 'products'].map(schemaOf) as [DocumentNode, DocumentNode, DocumentNode];

const at = new Date(Date.UTC(2026, 0, 1));
const claims = [1, 2, 3].map((i) => ({ claimedAt: at, coupon: { id: `c${i}`, title: `Coupon ${i}`, discountCents: 100 * i, remaining: 10 } }));
const favorites = [1, 2, 3, 4].map((i) => ({ id: `p${i}`, name: `Product ${i}`, priceCents: 990 + i }));
const catalogue = Array.from({ length: 20 }, (_, i) => ({ id: `p${i + 1}`, name: `Live deal ${i + 1}`, priceCents: 1990 + 100 * i }));

export const DEMO_STATIC_SUBGRAPHS: { name: string; typeDefs: DocumentNode; resolvers: GraphQLResolverMap<unknown> }[] = [
  {
    name: 'identity',
    typeDefs: identity,
    resolvers: {
      DateTime,
      Query: { me: () => ({ id: 'bench-user' }) },
      User: {
        __resolveReference: (ref: { id: string }) => ref,
        linkedMerchants: () => [
          { merchantId: 'acme', via: 'UNIONID', linkedAt: at },
          { merchantId: 'bobs', via: 'HANDOFF', linkedAt: at },
        ],
        consents: () => [],
      },
    },
  },
  {
    name: 'coupons',
    typeDefs: coupons,
    resolvers: {
      DateTime,
      Query: { availableCoupons: () => claims.map((c) => c.coupon) },
      User: { __resolveReference: (ref: { id: string }) => ref, coupons: () => claims },
    },
  },
  {
    name: 'products',
    typeDefs: products,
    resolvers: {
      Query: {
        products: (_: unknown, args: { first: number }) => ({
          edges: catalogue.slice(0, args.first).map((node) => ({ cursor: node.id, node })),
          pageInfo: { hasNextPage: args.first < catalogue.length, endCursor: catalogue[args.first - 1]?.id ?? null },
        }),
      },
      User: { __resolveReference: (ref: { id: string }) => ref, favoriteProducts: () => favorites },
    },
  },
];

export const DEMO_QUERY = `query Demo { me { id linkedMerchants { merchantId via } coupons { claimedAt coupon { id title } } favoriteProducts { id name } } }`;

/** Scenario (e), a live-stream burst: the page every viewer opens when the host says "now" (products, and the viewer's own coupons). */
export const BURST_QUERY = `query LivePage { products(first: 10) { edges { node { id name priceCents } } pageInfo { hasNextPage endCursor } } me { id coupons { claimedAt coupon { id title discountCents } } } }`;

/** Scenario (e) without identity: the same page's product list, anonymous. */
export const BURST_ANONYMOUS_QUERY = `query LiveProducts { products(first: 10) { edges { node { id name priceCents } } pageInfo { hasNextPage endCursor } } }`;

/**
 * Scenario (b)'s four subgraphs, shaped like the federation benchmark every gateway publishes numbers
 * for: accounts, products, inventory (with @requires) and reviews (with @provides), and fixed data.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type DocumentNode } from 'graphql';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

const users = Array.from({ length: 10 }, (_, i) => ({ id: `u${i + 1}`, name: `User ${i + 1}`, username: `user${i + 1}`, birthday: 1_000_000 * i }));
const products = Array.from({ length: 9 }, (_, i) => ({ upc: `${i + 1}`, name: `Product ${i + 1}`, price: 100 + i * 50, weight: 10 + i * 5 }));
const reviews = Array.from({ length: 30 }, (_, i) => ({
  id: `r${i + 1}`,
  body: `Review ${i + 1} `.repeat(4),
  authorId: users[i % users.length]!.id,
  upc: products[i % products.length]!.upc,
}));

interface Subgraph {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<unknown>;
}

export const SYNTHETIC_SUBGRAPHS: Subgraph[] = [
  {
    name: 'accounts',
    typeDefs: parse(`${LINK}
      type Query { me: User users: [User] }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`),
    resolvers: {
      Query: { me: () => users[0], users: () => users },
      User: { __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id) },
    },
  },
  {
    name: 'products',
    typeDefs: parse(`${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`),
    resolvers: {
      Query: { topProducts: (_: unknown, args: { first: number }) => products.slice(0, args.first) },
      Product: { __resolveReference: (ref: { upc: string }) => products.find((p) => p.upc === ref.upc) },
    },
  },
  {
    name: 'inventory',
    typeDefs: parse(`${LINK}
      type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }`),
    resolvers: {
      Product: {
        __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ({ ...ref, inStock: Number(ref.upc) % 3 !== 0 }),
        shippingEstimate: (p: { price?: number; weight?: number }) => ((p.price ?? 0) > 1000 ? 0 : Math.round((p.weight ?? 0) * 0.5)),
      },
    },
  },
  {
    name: 'reviews',
    typeDefs: parse(`${LINK}
      type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username") product: Product }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`),
    resolvers: {
      Review: {
        __resolveReference: (ref: { id: string }) => reviews.find((r) => r.id === ref.id),
        author: (r: { authorId: string }) => ({ __typename: 'User', id: r.authorId, username: users.find((u) => u.id === r.authorId)?.username }),
        product: (r: { upc: string }) => ({ __typename: 'Product', upc: r.upc }),
      },
      User: { reviews: (u: { id: string }) => reviews.filter((r) => r.authorId === u.id) },
      Product: { reviews: (p: { upc: string }) => reviews.filter((r) => r.upc === p.upc) },
    },
  },
];

/** The heavy nested query of scenario (b): several entity hops through all four subgraphs. */
export const HEAVY_QUERY = `query Heavy {
  users {
    id username name
    reviews { id body product { upc name price weight inStock shippingEstimate reviews { id body author { id username name } } } }
  }
  topProducts(first: 5) {
    upc name price weight inStock shippingEstimate
    reviews { id body author { id username name reviews { id body product { upc name inStock } } } }
  }
}`;

/** Scenario (d): a query one subgraph answers alone. */
export const ONE_SUBGRAPH_QUERY = `query One { topProducts(first: 5) { upc name price weight } }`;

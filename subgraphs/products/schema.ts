/** Bob's products subgraph: written against Bob's own OpenID. */
import { parse } from 'graphql';

export const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Product @key(fields: "id") {
    id: ID!
    name: String!
    priceCents: Int!
  }

  type ProductEdge {
    cursor: String!
    node: Product!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type ProductConnection {
    edges: [ProductEdge!]!
    pageInfo: PageInfo!
  }

  type User @key(fields: "id") {
    id: ID!
    "The viewer's favourites; null with MERCHANT_IDENTITY_NOT_LINKED until the viewer has a Bob's identity."
    favoriteProducts: [Product!]
  }

  type Query {
    "Products in a stable order; first is 1-100."
    products(first: Int = 10, after: String): ProductConnection!
  }

  type Mutation {
    favoriteProduct(productId: ID!): Product!
  }
`);

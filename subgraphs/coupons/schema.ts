/** ACME's coupons subgraph: written against ACME's own OpenID, as behind its own mini-program. */
import { parse } from 'graphql';

export const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  scalar DateTime

  type Coupon @key(fields: "id") {
    id: ID!
    title: String!
    discountCents: Int!
    "Units left to claim."
    remaining: Int!
  }

  type CouponClaim {
    coupon: Coupon!
    claimedAt: DateTime!
  }

  type User @key(fields: "id") {
    id: ID!
    "The viewer's claimed coupons; null with MERCHANT_IDENTITY_NOT_LINKED until the viewer has an ACME identity."
    coupons: [CouponClaim!]
  }

  type Query {
    availableCoupons: [Coupon!]!
  }

  type Mutation {
    "Claims a coupon for the viewer. Claiming the same coupon again returns the first claim."
    claimCoupon(couponId: ID!): CouponClaim!
  }
`);

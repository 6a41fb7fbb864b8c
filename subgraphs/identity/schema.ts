/** The identity subgraph's schema. No field exposes an OpenID, UnionID or session key. */
import { parse } from 'graphql';

export const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

  "An ISO-8601 date-time."
  scalar DateTime

  "How a WeChat identity came to belong to its platform user."
  enum LinkRoute {
    "The identity's first login created the user."
    LOGIN
    "WeChat gave the same UnionID (apps bound to one Open Platform account)."
    UNIONID
    "Logged in through the platform's third-party platform on the merchant's behalf."
    THIRD_PARTY_PLATFORM
    "The platform's official account recognised the same person."
    OA_BRIDGE
    "The person opened the merchant's app from the platform with a one-time link nonce."
    HANDOFF
    "The merchant signed an assertion of its OpenID."
    MERCHANT_ASSERTION
    "Moved from a user merged into this one."
    MERGE
  }

  "A person on the platform, the same across every mini-program they use."
  type User @key(fields: "id") {
    "Opaque platform user id."
    id: ID!
    "Merchants whose mini-program identity is linked to this user (viewer only)."
    linkedMerchants: [MerchantLink!]!
    "What the user has consented to (viewer only)."
    consents: [Consent!]!
  }

  "Purposes a person can consent to (PIPL art. 23)."
  enum ConsentPurpose {
    "Use the platform official account's OpenID, collected in a web-view, to recognise the person across mini-programs."
    OFFICIAL_ACCOUNT_BRIDGE
  }

  type Consent {
    purpose: ConsentPurpose!
    grantedAt: DateTime!
    withdrawnAt: DateTime
  }

  "A one-time nonce: valid 2 minutes, for one merchant, for the session that asked."
  type LinkNonce {
    nonce: String!
    expiresAt: DateTime!
  }

  "Where the mini-program's web-view goes to run the official-account bridge."
  type BridgeStart {
    url: String!
    expiresAt: DateTime!
  }

  type MerchantLink {
    merchantId: ID!
    linkedAt: DateTime!
    via: LinkRoute!
  }

  "A logged-in session: a short-lived access token and a one-time refresh token."
  type Session {
    accessToken: String!
    tokenType: String!
    "Seconds until the access token expires."
    expiresIn: Int!
    "Use once with refreshSession; using it twice revokes the session."
    refreshToken: String!
    user: User!
  }

  type Query {
    "The logged-in user; an UNAUTHENTICATED error when nobody is."
    me: User
  }

  type Mutation {
    "Logs in from any registered mini-program with a wx.login() code made in that app. With linkNonce (handed over by the platform app), also links this merchant identity to the platform user."
    login(appId: ID!, code: String!, linkNonce: String): Session!
    "Platform app: a nonce to pass to the merchant's app through navigateToMiniProgram extraData."
    createLinkNonce(merchantId: ID!): LinkNonce!
    "A nonce the merchant's backend must sign into its link assertion."
    createAssertionNonce(merchantId: ID!): LinkNonce!
    "Links the merchant identity a merchant asserted (a signed JWT) to the viewer."
    linkMerchantAssertion(assertion: String!): MerchantLink!
    "Records the viewer's consent. MERCHANT_DISCLOSURE needs the merchantId (the grant records the notice version shown)."
    grantConsent(purpose: ConsentPurpose!, merchantId: ID): Consent!
    "Withdraws consent; for the bridge, its collected data is deleted and no further bridging happens; for MERCHANT_DISCLOSURE, the merchant gets no OpenID from the next request on."
    withdrawConsent(purpose: ConsentPurpose!, merchantId: ID): Consent
    "Starts the official-account bridge for the current app's identity: open the returned URL in a web-view."
    startOfficialAccountBridge: BridgeStart!
    "Exchanges a refresh token for a new session (the old refresh token stops working)."
    refreshSession(refreshToken: String!): Session!
    "Ends the session the refresh token belongs to."
    logout(refreshToken: String!): Boolean!
  }

  # --- Privacy rights (PIPL art. 23, 45, 47): one block, so it moves as one. ---

  "Any JSON value (the data export)."
  scalar JSON

  extend enum ConsentPurpose {
    "Provide the merchant named in merchantId with the person's OpenID in that merchant's app (required when the merchant's disclosureConsent is on)."
    MERCHANT_DISCLOSURE
  }

  "A merchant on the platform, as the privacy screens show it (from the platform config)."
  type Merchant {
    id: ID!
    name: String!
    "Present when the merchant asks before its OpenID of the person is provided: the text to show."
    disclosureConsent: DisclosureNotice
  }

  type DisclosureNotice {
    "Whether the merchant gets no OpenID until the person agrees."
    required: Boolean!
    "What the merchant uses it for, in one sentence."
    purpose: String!
    notice: String!
    "Recorded with each grant: which text the person agreed to."
    version: String!
  }

  extend type Consent {
    "MERCHANT_DISCLOSURE: the merchant it is for."
    merchantId: ID
    "The version of the notice shown when it was granted."
    noticeVersion: String
  }

  extend type MerchantLink {
    merchant: Merchant!
    "True while the merchant requires consent and the person has not given it: its subgraph gets no OpenID."
    consentRequired: Boolean!
    "When the platform first provided the person's OpenID to this merchant (hour precision)."
    firstDisclosedAt: DateTime
    "When the platform last provided it (hour precision)."
    lastDisclosedAt: DateTime
  }

  "What deleting the account did."
  type AccountDeletion {
    deleted: Boolean!
    "Merchants that were given an OpenID of the person and are sent an erasure notice."
    merchantsNotified: [ID!]!
  }

  extend type Query {
    "The platform's merchants, with the consent notice each asks for."
    merchants: [Merchant!]!
  }

  extend type Mutation {
    "Unlinks the merchant's identity from the viewer; it is not linked again until the viewer links it explicitly. The platform's own identities cannot be unlinked."
    unlinkMerchant(merchantId: ID!): User!
    "Everything the platform stores about the viewer, as one JSON document (shape: DataExport, version 1, in the README)."
    exportMyData: JSON!
    "Deletes the viewer's account and data; merchants that received an OpenID of the viewer are told to erase it."
    deleteMyAccount: AccountDeletion!
  }
`);

/** Header names, lower-cased as Node presents them. Never repeat these as literals elsewhere. */
export const Headers = {
  authorization: 'authorization',
  requestId: 'x-request-id',
  /** The signed identity the gateway injects into every subgraph request: `<claims>.<mac>`. */
  identity: 'x-identity',
  contentType: 'content-type',
  connection: 'connection',
  accept: 'accept',
  /** Apollo's CSRF prevention accepts requests that carry either of these. */
  apolloRequirePreflight: 'apollo-require-preflight',
  apolloOperationName: 'x-apollo-operation-name',
  /** Erasure notices to merchants: the event id to deduplicate on, and HMAC-SHA256 of the body with the merchant's subgraph secret. */
  eventId: 'x-platform-event-id',
  signature: 'x-platform-signature',
} as const;

/** Every header a client might use to pose as the gateway starts with this; the gateway strips them all. */
export const IDENTITY_HEADER_PREFIX = 'x-identity';

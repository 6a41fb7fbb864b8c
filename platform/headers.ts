/** Header names, lower-cased as Node presents them. Never repeat these as literals elsewhere. */
import {
  CONNECTION_HEADER,
  CONTENT_TYPE_HEADER,
  ERASURE_EVENT_ID_HEADER,
  ERASURE_SIGNATURE_HEADER,
  IDENTITY_HEADER,
  IDENTITY_HEADER_PREFIX,
  REQUEST_ID_HEADER,
} from '@identity-federation-gateway/subgraph-kit';

export const Headers = {
  authorization: 'authorization',
  requestId: REQUEST_ID_HEADER,
  /** The signed identity the gateway injects into every subgraph request (the kit owns the wire format). */
  identity: IDENTITY_HEADER,
  contentType: CONTENT_TYPE_HEADER,
  connection: CONNECTION_HEADER,
  accept: 'accept',
  /** Apollo's CSRF prevention accepts requests that carry either of these. */
  apolloRequirePreflight: 'apollo-require-preflight',
  apolloOperationName: 'x-apollo-operation-name',
  retryAfter: 'retry-after',
  allow: 'allow',
  cacheControl: 'cache-control',
  vary: 'vary',
  /** Erasure notices to merchants: the event id to deduplicate on, and HMAC-SHA256 of the body with the merchant's subgraph secret. */
  eventId: ERASURE_EVENT_ID_HEADER,
  signature: ERASURE_SIGNATURE_HEADER,
} as const;

/** Every header a client might use to pose as the gateway starts with this; the gateway strips them all. */
export { IDENTITY_HEADER_PREFIX };

/** The headers of the gateway-to-subgraph contract, lower-cased as Node presents them. */

/** The signed identity the gateway injects into every subgraph request: `<claims>.<mac>`. */
export const IDENTITY_HEADER = 'x-identity';
/** Every header that could pose as the gateway's identity starts with this; only a signed `x-identity` is honoured. */
export const IDENTITY_HEADER_PREFIX = 'x-identity';
/** The gateway's request id, for correlating logs across services. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Standard headers the HTTP edge reads and writes. */
export const CONTENT_TYPE_HEADER = 'content-type';
export const CONNECTION_HEADER = 'connection';
/** Erasure notices from the platform: the event id to deduplicate on. */
export const ERASURE_EVENT_ID_HEADER = 'x-platform-event-id';
/** Erasure notices from the platform: base64url HMAC-SHA256 of the exact body with the merchant's subgraph secret. */
export const ERASURE_SIGNATURE_HEADER = 'x-platform-signature';

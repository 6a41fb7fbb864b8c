/** Header names, lower-cased as Node presents them. Never repeat these as literals elsewhere. */
export const Headers = {
  authorization: 'authorization',
  requestId: 'x-request-id',
  /** Signed identity claims the gateway injects into every subgraph request (base64url JSON). */
  identityClaims: 'x-identity-claims',
  /** HMAC over the claims and the request body digest. */
  identitySignature: 'x-identity-signature',
  contentType: 'content-type',
} as const;

/** Every header a client might use to pose as the gateway; the gateway strips them all. */
export const IDENTITY_HEADER_PREFIX = 'x-identity-';

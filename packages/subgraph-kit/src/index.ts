/**
 * @identity-federation-gateway/subgraph-kit: everything a merchant team needs to serve a subgraph behind
 * the platform's gateway, and nothing of the platform itself. Resolvers get the viewer's OpenID in the
 * merchant's own app (`ctx.viewer.openId`), verified from the gateway's signed `x-identity` header
 * (over a subscription socket, from `connection_init` against each `subscribe` frame). A subgraph in
 * another stack uses `verifyIdentity` / `verifySocketIdentity` alone, or the test vectors in `test-vectors/`.
 */
export { DateTime } from './date-time.js';
export {
  erasureNoticeRoute,
  signErasureNotice,
  verifyErasureNotice,
  type ErasureNotice,
  type ErasureNoticeRequest,
  type ErasureNoticeRouteOptions,
  type ErasureNoticeVerification,
} from './erasure-notice.js';
export {
  CONSENT_REQUIRED,
  IDENTITY_REFUSAL_MESSAGE,
  IDENTITY_SIGNATURE_INVALID,
  MERCHANT_IDENTITY_NOT_LINKED,
  SubgraphError,
  deliberateErrors,
  maskedErrorLogging,
  maskingFormatter,
  type PublicErrorRule,
  type RequestLogIds,
} from './errors.js';
export {
  apolloRequestOf,
  readRequestBody,
  startGraphQLHttpServer,
  type GraphQLHttpRequest,
  type GraphQLHttpServerOptions,
  type RunningHttpServer,
  type ServerSpan,
  type ShutdownOptions,
  type SocketEndpoint,
} from './graphql-http-server.js';
export { OK, databaseCheck, healthRoutes, readiness, type CheckResult, type PingableConnection, type ReadinessCheck } from './health.js';
export {
  CONNECTION_HEADER,
  CONTENT_TYPE_HEADER,
  ERASURE_EVENT_ID_HEADER,
  ERASURE_SIGNATURE_HEADER,
  IDENTITY_HEADER,
  IDENTITY_HEADER_PREFIX,
  REQUEST_ID_HEADER,
} from './headers.js';
export { HttpError } from './http-error.js';
export {
  IDENTITY_TTL_SECONDS,
  encodeClaims,
  identityKey,
  peekClaims,
  signEncodedIdentity,
  signIdentity,
  type IdentityClaims,
  type IdentityKey,
} from './identity-assertion.js';
export type { SubgraphLogger } from './logger.js';
export { startMerchantService, type MerchantServiceOptions } from './merchant-service.js';
export { MerchantViewer, type MerchantContext } from './merchant-viewer.js';
export type { RawRoute } from './raw-route.js';
export type { ResolverMap } from './resolver-map.js';
export { loadTypeDefs } from './schema-file.js';
export { socketIdentityRequest, verifySocketIdentity, type VerifySocketIdentityOptions } from './socket-identity.js';
export { startSubgraph, type SubgraphOptions } from './start-subgraph.js';
export { IDENTITY_REFUSAL } from './subscription-errors.js';
export { subscriptionSockets, type SubscriptionSocketOptions, type SubscriptionSocketSettings } from './subscription-sockets.js';
export { verifyIdentity, type IdentityRefusal, type IdentityRequest, type IdentityVerification, type VerifyIdentityOptions } from './verify-identity.js';

/**
 * The mini-program client of identity-federation-gateway: typed requests from generated documents,
 * automatic login and refresh, typed error codes, linking helpers.
 *
 * @example
 * import { createClient, hasErrorCode } from 'identity-federation-client';
 * import { HomePageDocument } from './generated/graphql';
 * const client = createClient({ endpoint: 'https://api.example.com/graphql', appId: 'wx1000000000000001' });
 * const { data, errors } = await client.request(HomePageDocument);
 *
 * Subscriptions are a separate import, so an app that does not use them does not carry them:
 * import { subscribe } from 'identity-federation-client';
 * const unsubscribe = subscribe(client, CouponStockDocument, { couponId }, { next, error, complete });
 */
export { createClient, OperationError, type Client, type ClientOptions, type Handoff } from './client.js';
export { consentRequiredMerchantIds, errorsWithCode, hasErrorCode, LoginError, notLinkedMerchantIds, SocketClosedError, TransportError } from './errors.js';
export { ERROR_CODE_DESCRIPTIONS, type ErrorCode, type UnauthenticatedReason } from './generated/error-codes.js';
export { CreateLinkNonceDocument, LoginDocument, LogoutDocument, RefreshSessionDocument, StartOfficialAccountBridgeDocument } from './generated/graphql.js';
export type { StoredSession } from './session.js';
export { memoryStorage, wxStorage } from './storage.js';
export { webSocketTransport, wxSocketTransport, type WebSocketLike } from './socket-transports.js';
export { subscribe } from './subscriptions.js';
export { fetchTransport, wxRequestTransport, type FetchLike } from './transports.js';
export type {
  GraphQLErrorShape,
  GraphQLResult,
  SessionStorage,
  Socket,
  SocketEvents,
  SocketTransport,
  SubscriptionOptions,
  SubscriptionSinks,
  Transport,
  TransportRequest,
  TransportResponse,
  TypedDocument,
  VariablesArgs,
  WxApi,
} from './types.js';

/**
 * Every error code a client can see, with what it means, and the GraphQLError subclass that carries it.
 * Codes are the contract with the mini-program: clients branch on `extensions.code`, never on messages.
 */
import { SubgraphError } from '@identity-federation-gateway/subgraph-kit';

export const ErrorCodes = {
  UNAUTHENTICATED: { status: 401, description: 'No valid access token: log in or refresh the session.' },
  FORBIDDEN: { status: 403, description: 'The viewer may not do this.' },
  UNAUTHORIZED_FIELD_OR_TYPE: {
    status: 200,
    description:
      'The viewer may not see this field (its schema says @authenticated, @requiresScopes or @policy): it is null, it was not fetched, and the rest of the answer resolved.',
  },
  BAD_USER_INPUT: { status: 400, description: 'An argument is malformed or names something that does not exist.' },
  APP_NOT_REGISTERED: { status: 400, description: 'The appId is not a mini-program registered with the platform.' },
  WECHAT_CODE_INVALID: { status: 400, description: 'The wx.login / authorisation code is invalid, expired or from another app.' },
  WECHAT_CODE_USED: { status: 400, description: 'The code was already used; call wx.login again.' },
  WECHAT_LOGIN_BLOCKED: { status: 403, description: 'WeChat blocked the login of a high-risk user.' },
  WECHAT_RATE_LIMITED: { status: 429, description: 'WeChat rate-limited the platform; retry later.' },
  WECHAT_UNAVAILABLE: { status: 503, description: 'WeChat did not answer in time or was busy; retry.' },
  THIRD_PARTY_NOT_AUTHORIZED: { status: 403, description: 'The merchant has not authorised the platform\u2019s third-party platform for this app.' },
  REFRESH_TOKEN_INVALID: { status: 401, description: 'The refresh token is unknown, expired or revoked.' },
  REFRESH_TOKEN_REUSED: { status: 401, description: 'A rotated refresh token was used again: the whole session family is revoked.' },
  MERCHANT_IDENTITY_NOT_LINKED: { status: 200, description: 'The viewer has no identity with this merchant yet; link it first.' },
  IDENTITY_SIGNATURE_INVALID: { status: 401, description: 'A subgraph received an injected identity that is missing, forged or stale.' },
  LINK_NONCE_INVALID: { status: 400, description: 'The link nonce is unknown or malformed.' },
  LINK_NONCE_EXPIRED: { status: 400, description: 'The link nonce expired; ask the platform app for a new one.' },
  LINK_NONCE_USED: { status: 400, description: 'The link nonce was already used; each nonce links once.' },
  LINK_NONCE_MISMATCH: { status: 400, description: 'The link nonce was issued for another merchant, app or session.' },
  LINK_ROUTE_DISABLED: { status: 403, description: 'This linking route is switched off for the merchant.' },
  CONSENT_REQUIRED: {
    status: 403,
    description:
      'The person has not consented to this use of their data (for a merchant\u2019s data: to its receiving their OpenID; extensions.merchantId names it).',
  },
  ASSERTION_INVALID: { status: 400, description: 'The merchant assertion is forged, expired, for another audience or not for this viewer.' },
  IDENTITY_CONFLICT: { status: 409, description: 'The accounts hold different identities for the same app: they are not the same person.' },
  SNAPSHOT_USER: { status: 403, description: 'WeChat marked this a snapshot-mode (virtual) user; it is never linked.' },
  NOT_FOUND: { status: 404, description: 'The thing asked for does not exist.' },
  OUT_OF_STOCK: { status: 409, description: 'Nothing is left to claim.' },
  PERSISTED_QUERY_NOT_FOUND: {
    status: 200,
    description: 'The gateway does not know this document hash yet: send it again with the document text (automatic persisted queries).',
  },
  PERSISTED_QUERY_NOT_IN_LIST: {
    status: 400,
    description: 'The document hash is not in the gateway\u2019s persisted-documents manifest (only trusted documents run).',
  },
  PERSISTED_QUERY_ID_REQUIRED: {
    status: 400,
    description: 'Only persisted documents run here: send a document hash (documentId or extensions.persistedQuery), not query text.',
  },
  PERSISTED_QUERY_HASH_MISMATCH: { status: 400, description: 'The sha256 hash sent does not match the document text sent with it.' },
  QUERY_TOO_LARGE: { status: 400, description: 'The query has more tokens than the gateway accepts (QUERY_MAX_TOKENS).' },
  QUERY_TOO_DEEP: { status: 400, description: 'The query nests fields deeper than the gateway accepts (QUERY_MAX_DEPTH).' },
  QUERY_TOO_MANY_ALIASES: { status: 400, description: 'The query uses more aliases than the gateway accepts (QUERY_MAX_ALIASES).' },
  QUERY_TOO_MANY_ROOT_FIELDS: { status: 400, description: 'The query selects more root fields than the gateway accepts (QUERY_MAX_ROOT_FIELDS).' },
  COST_ESTIMATED_TOO_EXPENSIVE: {
    status: 400,
    description:
      'The operation\u2019s estimated cost is over the gateway\u2019s maximum (DEMAND_CONTROL_MAX_COST); nothing ran. extensions.estimatedCost and extensions.maxCost say by how much: ask for fewer or smaller lists.',
  },
  COST_SLICING_ARGUMENT_REQUIRED: {
    status: 400,
    description:
      'A list field whose size its arguments set (e.g. first or last) was given none or several of them; give exactly one (extensions.field names it).',
  },
  IDENTITY_STORE_UNAVAILABLE: {
    status: 503,
    description: 'The identity store did not answer in time; fields that need the viewer\u2019s identities are null, the rest resolved. Retry shortly.',
  },
  SUBGRAPH_UNAVAILABLE: { status: 200, description: 'A service behind the gateway did not answer in time or is down; its fields are null, the rest resolved.' },
  RATE_LIMITED: {
    status: 429,
    description:
      'Too many login or refresh attempts from this address or for this app, subscribe messages on one socket, or uses of a field with a per-viewer limit (that field is null, the rest resolved); retry after the Retry-After header’s seconds (extensions.retryAfterSeconds).',
  },
  TOO_MANY_SUBSCRIPTIONS: {
    status: 400,
    description: 'The socket already holds as many subscriptions as the gateway allows (SOCKET_MAX_SUBSCRIPTIONS); complete one first.',
  },
  INTERNAL_SERVER_ERROR: { status: 500, description: 'Something failed on the server; the request id identifies it in the logs.' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** Why a request is UNAUTHENTICATED (`extensions.reason`): tells a client whether refreshing the session can help. */
export const UnauthenticatedReasons = {
  TOKEN_EXPIRED: 'The access token was valid but has expired: refresh the session.',
  TOKEN_INVALID: 'The access token is malformed, forged or signed with a retired key: refresh, or log in again.',
  SESSION_REVOKED:
    'The session was ended: logged out on another device, revoked by an operator, ended by unlinking or erasure, by reuse of its refresh token, or its user merged into another. Refreshing cannot help: log in again.',
} as const;

export type UnauthenticatedReason = keyof typeof UnauthenticatedReasons;

/** A client-facing error with a registered code. Extra extensions must never hold secrets or OpenIDs. */
export class PlatformError extends SubgraphError {
  declare readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, extensions: Record<string, string | number | boolean> = {}) {
    super(code, message, extensions);
  }
}

export const unauthenticated = (message = 'You must be logged in.') => new PlatformError('UNAUTHENTICATED', message);
export const badInput = (message: string) => new PlatformError('BAD_USER_INPUT', message);

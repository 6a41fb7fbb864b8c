/** Errors the client throws, and helpers to read the GraphQL errors it returns. */
import type { ErrorCode } from './generated/error-codes.js';
import type { GraphQLErrorShape, GraphQLResult } from './types.js';

/** The request got no usable HTTP answer: network down, timeout, or a body that is not a GraphQL response. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'network' | 'timeout' | 'http',
    message: string,
    /** The HTTP status, for kind "http". */
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Logging in failed: `code` is the server's error code (e.g. WECHAT_CODE_INVALID, WECHAT_LOGIN_BLOCKED) or
 * WX_LOGIN_FAILED when wx.login() itself failed (`message` holds WeChat's errMsg). The client never retries
 * a failed login by itself.
 */
export class LoginError extends Error {
  override readonly name = 'LoginError';
  constructor(
    readonly code: ErrorCode | 'WX_LOGIN_FAILED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The gateway closed the subscriptions' socket for good: `code` and `reason` as it sent them. 4401/4403
 * (TOKEN_EXPIRED, TOKEN_INVALID, SESSION_REVOKED) land here only when they come again right after the
 * client renewed the session or logged in again; 4400, 4406, 4409, 4429 and 1009 at once (retrying
 * would meet the same refusal).
 */
export class SocketClosedError extends Error {
  override readonly name = 'SocketClosedError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`the gateway closed the socket: ${code} ${reason}`);
  }
}

/** The errors of a result carrying `code`. */
export function errorsWithCode(result: GraphQLResult<unknown>, code: ErrorCode): GraphQLErrorShape[] {
  return (result.errors ?? []).filter((error) => error.extensions?.code === code);
}

/**
 * Whether any error of the result has this code.
 * @example if (hasErrorCode(result, 'MERCHANT_IDENTITY_NOT_LINKED')) showLinkButton();
 */
export function hasErrorCode(result: GraphQLResult<unknown>, code: ErrorCode): boolean {
  return errorsWithCode(result, code).length > 0;
}

/** The merchants whose fields failed with MERCHANT_IDENTITY_NOT_LINKED: link these to see their data. */
export function notLinkedMerchantIds(result: GraphQLResult<unknown>): string[] {
  return merchantIdsWithCode(result, 'MERCHANT_IDENTITY_NOT_LINKED');
}

/**
 * The merchants whose fields failed with CONSENT_REQUIRED: linked, but the person has not agreed to the
 * merchant receiving their OpenID. Show the merchant's notice (query `merchants`), then GrantMerchantDisclosure.
 */
export function consentRequiredMerchantIds(result: GraphQLResult<unknown>): string[] {
  return merchantIdsWithCode(result, 'CONSENT_REQUIRED');
}

function merchantIdsWithCode(result: GraphQLResult<unknown>, code: ErrorCode): string[] {
  const ids: string[] = [];
  for (const error of errorsWithCode(result, code)) {
    const id = error.extensions?.merchantId;
    if (typeof id === 'string' && ids.indexOf(id) < 0) ids.push(id);
  }
  return ids;
}

/**
 * WeChat's errcodes, sorted by what the caller must do about them. The client never retries anything
 * but "busy" and timeouts; codes are single-use, so retrying a bad one only burns quota.
 */

/** errcodes named in WeChat's documentation that this project handles deliberately. */
export const WechatErrcode = {
  BUSY: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_GRANT_TYPE: 40002,
  INVALID_APPID: 40013,
  INVALID_CODE: 40029,
  INVALID_SECRET: 40125,
  CODE_USED: 40163,
  IP_NOT_WHITELISTED: 40164,
  LOGIN_BLOCKED: 40226,
  SECRET_FROZEN: 40243,
  TOKEN_EXPIRED: 42001,
  DAILY_QUOTA: 45009,
  MINUTE_QUOTA: 45011,
  COMPONENT_NOT_AUTHORIZED: 61003,
  IP_NOT_WHITELISTED_COMPONENT: 61004,
  OAUTH_REDIRECT_DOMAIN: 10003,
} as const;

/** What a failure means for the caller. */
export type WechatFailureKind =
  | 'busy' // retried with backoff; surfaced only when retries run out
  | 'timeout'
  | 'invalid_code'
  | 'code_used'
  | 'login_blocked'
  | 'rate_limited'
  | 'stale_token' // refresh the access token and try once more
  | 'not_authorized'
  | 'misconfigured' // our appid / secret / IP is wrong: an operator must act
  | 'unexpected';

export function classifyErrcode(errcode: number): WechatFailureKind {
  switch (errcode) {
    case WechatErrcode.BUSY:
      return 'busy';
    case WechatErrcode.INVALID_CODE:
      return 'invalid_code';
    case WechatErrcode.CODE_USED:
      return 'code_used';
    case WechatErrcode.LOGIN_BLOCKED:
      return 'login_blocked';
    case WechatErrcode.MINUTE_QUOTA:
    case WechatErrcode.DAILY_QUOTA:
      return 'rate_limited';
    case WechatErrcode.INVALID_CREDENTIAL:
    case WechatErrcode.TOKEN_EXPIRED:
      return 'stale_token';
    case WechatErrcode.COMPONENT_NOT_AUTHORIZED:
      return 'not_authorized';
    case WechatErrcode.INVALID_APPID:
    case WechatErrcode.INVALID_SECRET:
    case WechatErrcode.INVALID_GRANT_TYPE:
    case WechatErrcode.IP_NOT_WHITELISTED:
    case WechatErrcode.IP_NOT_WHITELISTED_COMPONENT:
    case WechatErrcode.SECRET_FROZEN:
      return 'misconfigured';
    default:
      return 'unexpected';
  }
}

/** A failed WeChat call. The message names the API path and errcode, never the query (it holds secrets and codes). */
export class WechatApiError extends Error {
  readonly kind: WechatFailureKind;
  constructor(
    readonly path: string,
    readonly errcode: number | undefined,
    errmsg: string,
    kind?: WechatFailureKind,
  ) {
    super(`WeChat ${path} failed${errcode === undefined ? '' : ` with errcode ${errcode}`}: ${errmsg}`);
    this.kind = kind ?? (errcode === undefined ? 'unexpected' : classifyErrcode(errcode));
  }

  get retryable(): boolean {
    return this.kind === 'busy' || this.kind === 'timeout';
  }
}

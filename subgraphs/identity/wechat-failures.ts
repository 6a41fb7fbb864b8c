/** Turns WeChat failures into the client-facing errors of the registry; operator problems stay masked. */
import { PlatformError, type ErrorCode } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { WechatApiError, type WechatFailureKind } from '../../platform/wechat/wechat-error.js';

const CLIENT_ERRORS: Partial<Record<WechatFailureKind, [ErrorCode, string]>> = {
  invalid_code: ['WECHAT_CODE_INVALID', 'The WeChat code is invalid or expired; call wx.login again.'],
  code_used: ['WECHAT_CODE_USED', 'The WeChat code was already used; call wx.login again.'],
  login_blocked: ['WECHAT_LOGIN_BLOCKED', 'WeChat refused this login.'],
  rate_limited: ['WECHAT_RATE_LIMITED', 'WeChat is rate-limiting logins; try again shortly.'],
  busy: ['WECHAT_UNAVAILABLE', 'WeChat is busy; try again.'],
  timeout: ['WECHAT_UNAVAILABLE', 'WeChat did not answer in time; try again.'],
  not_authorized: ['THIRD_PARTY_NOT_AUTHORIZED', 'The merchant has not authorised the platform for this app.'],
};

/** Rethrows `error` as a PlatformError when WeChat said something the client can act on; else logs and masks it. */
export function rethrowWechatFailure(error: unknown, logger: Logger, appId: string): never {
  if (error instanceof WechatApiError) {
    const mapped = CLIENT_ERRORS[error.kind];
    if (mapped) throw new PlatformError(mapped[0], mapped[1]);
    // Misconfiguration (bad secret, appid, IP whitelist) is the operator's to fix: log it, tell the client nothing.
    logger.error({ appId, path: error.path, errcode: error.errcode, kind: error.kind }, 'WeChat call failed');
  }
  throw error;
}

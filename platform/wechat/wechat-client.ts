/**
 * The project's WeChat API client. Production points it at https://api.weixin.qq.com; development and
 * tests at the simulator, through the same `baseUrl`. Nothing it returns or throws carries a secret,
 * and session keys leave it only in the return value of the login calls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WechatApiError } from './wechat-error.js';

export interface WechatClientOptions {
  baseUrl: string;
  /** Per-attempt timeout. @default 5000 */
  timeoutMs?: number;
  /** Extra attempts after a busy (-1) answer or a timeout. @default 2 */
  retries?: number;
  /** First backoff delay; doubles per attempt, with jitter, capped at 2 s. @default 100 */
  backoffMs?: number;
  /** Told of every failed attempt (for metrics): the API path and WeChat's errcode, if it sent one. */
  onFailure?(path: string, errcode: number | undefined): void;
}

/** code2Session's answer. `sessionKey` must never reach a client or a log. */
export interface WechatSession {
  openId: string;
  unionId?: string;
  sessionKey: string;
}

export interface WechatAccessToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface OAuthIdentity {
  openId: string;
  unionId?: string;
  scope: string;
  /** WeChat's virtual "snapshot mode" identity: never link or merge on it. */
  isSnapshotUser: boolean;
}

export interface PhoneNumber {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
  watermarkAppId: string;
}

type WechatReply = Record<string, unknown> & { errcode?: number; errmsg?: string };

export class WechatClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly onFailure: WechatClientOptions['onFailure'];

  constructor(options: WechatClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 100;
    this.onFailure = options.onFailure;
  }

  /** Mini-program login: exchanges a wx.login() code made in `appId`. */
  async code2Session(appId: string, secret: string, code: string): Promise<WechatSession> {
    const reply = await this.call('/sns/jscode2session', { appid: appId, secret, js_code: code, grant_type: 'authorization_code' });
    return toSession('/sns/jscode2session', reply);
  }

  /** Login for a merchant app that authorised the platform's third-party platform (no merchant secret). */
  async componentCode2Session(appId: string, code: string, componentAppId: string, componentAccessToken: string): Promise<WechatSession> {
    const path = '/sns/component/jscode2session';
    const reply = await this.call(path, {
      appid: appId,
      js_code: code,
      grant_type: 'authorization_code',
      component_appid: componentAppId,
      component_access_token: componentAccessToken,
    });
    return toSession(path, reply);
  }

  /** A server access token from /cgi-bin/stable_token (the same token until it expires unless forced). */
  async stableToken(appId: string, secret: string, forceRefresh = false): Promise<WechatAccessToken> {
    const path = '/cgi-bin/stable_token';
    const reply = await this.call(path, undefined, { grant_type: 'client_credential', appid: appId, secret, force_refresh: forceRefresh });
    return toToken(path, reply, 'access_token');
  }

  /** The third-party platform's component token, from the verify ticket WeChat pushes every 10 minutes. */
  async componentToken(componentAppId: string, secret: string, verifyTicket: string): Promise<WechatAccessToken> {
    const path = '/cgi-bin/component/api_component_token';
    const reply = await this.call(path, undefined, { component_appid: componentAppId, component_appsecret: secret, component_verify_ticket: verifyTicket });
    return toToken(path, reply, 'component_access_token');
  }

  /** Official-account web OAuth: exchanges the code the authorize redirect delivered. */
  async oauthAccessToken(appId: string, secret: string, code: string): Promise<OAuthIdentity> {
    const path = '/sns/oauth2/access_token';
    const reply = await this.call(path, { appid: appId, secret, code, grant_type: 'authorization_code' });
    if (typeof reply.openid !== 'string') throw new WechatApiError(path, undefined, 'answer has no openid');
    return {
      openId: reply.openid,
      unionId: typeof reply.unionid === 'string' ? reply.unionid : undefined,
      scope: typeof reply.scope === 'string' ? reply.scope : '',
      isSnapshotUser: reply.is_snapshotuser === 1,
    };
  }

  /** Phone number from a getPhoneNumber button code; the watermark app is returned for the caller to check. */
  async userPhoneNumber(accessToken: string, code: string): Promise<PhoneNumber> {
    const path = '/wxa/business/getuserphonenumber';
    const reply = await this.call(path, { access_token: accessToken }, { code });
    const info = reply.phone_info as Record<string, unknown> | undefined;
    const watermark = info?.watermark as Record<string, unknown> | undefined;
    if (!info || typeof info.phoneNumber !== 'string' || typeof watermark?.appid !== 'string') {
      throw new WechatApiError(path, undefined, 'answer has no phone_info');
    }
    return {
      phoneNumber: info.phoneNumber,
      purePhoneNumber: String(info.purePhoneNumber ?? ''),
      countryCode: String(info.countryCode ?? ''),
      watermarkAppId: watermark.appid,
    };
  }

  /** One API call with bounded retries for busy answers and timeouts; every other failure is final. */
  private async call(path: string, query?: Record<string, string>, body?: Record<string, unknown>): Promise<WechatReply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(path, query, body);
      } catch (error) {
        if (error instanceof WechatApiError) this.onFailure?.(path, error.errcode);
        if (!(error instanceof WechatApiError) || !error.retryable || attempt >= this.retries) throw error;
        const delay = Math.min(2000, this.backoffMs * 2 ** attempt);
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  private async attempt(path: string, query?: Record<string, string>, body?: Record<string, unknown>): Promise<WechatReply> {
    const url = `${this.baseUrl}${path}${query ? `?${new URLSearchParams(query)}` : ''}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: body ? 'POST' : 'GET',
        headers: body ? { 'content-type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      // Connection failures are treated like timeouts: WeChat was not reached, so retrying is safe.
      throw new WechatApiError(path, undefined, timedOut ? 'timed out' : 'unreachable', 'timeout');
    }
    if (response.status >= 500) throw new WechatApiError(path, undefined, `HTTP ${response.status}`, 'busy');
    let reply: WechatReply;
    try {
      reply = (await response.json()) as WechatReply;
    } catch {
      throw new WechatApiError(path, undefined, `HTTP ${response.status} with a body that is not JSON`);
    }
    // Success may omit errcode entirely, or send 0.
    if (typeof reply.errcode === 'number' && reply.errcode !== 0) {
      throw new WechatApiError(path, reply.errcode, String(reply.errmsg ?? ''));
    }
    return reply;
  }
}

function toSession(path: string, reply: WechatReply): WechatSession {
  if (typeof reply.openid !== 'string' || typeof reply.session_key !== 'string') {
    throw new WechatApiError(path, undefined, 'answer has no openid or session_key');
  }
  return { openId: reply.openid, unionId: typeof reply.unionid === 'string' ? reply.unionid : undefined, sessionKey: reply.session_key };
}

function toToken(path: string, reply: WechatReply, field: string): WechatAccessToken {
  const token = reply[field];
  if (typeof token !== 'string' || typeof reply.expires_in !== 'number') throw new WechatApiError(path, undefined, `answer has no ${field}`);
  return { accessToken: token, expiresInSeconds: reply.expires_in };
}

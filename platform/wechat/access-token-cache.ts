/**
 * The one central place that holds server access tokens, as WeChat asks: each app's token is fetched
 * once, shared by every caller, renewed ahead of expiry, and force-refreshed only when a call answers
 * 40001 / 42001. Concurrent callers share one in-flight fetch.
 */
import { WechatApiError } from './wechat-error.js';
import type { WechatAccessToken } from './wechat-client.js';

/** Fetches a token for a key (an appId, or the component appId); `force` asks WeChat for a new one. */
export type TokenFetcher = (key: string, force: boolean) => Promise<WechatAccessToken>;

interface Entry {
  token: string;
  renewAt: number;
}

/** Renew this long before WeChat's expiry, matching stable_token's own early renewal. */
const RENEW_EARLY_MS = 5 * 60_000;

export class AccessTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly fetchToken: TokenFetcher,
    private readonly now: () => number = Date.now,
  ) {}

  /** A current token for `key`. */
  async get(key: string): Promise<string> {
    const entry = this.entries.get(key);
    if (entry && this.now() < entry.renewAt) return entry.token;
    return this.refresh(key, false);
  }

  /** Runs `call` with a token; a stale-token answer refreshes it (forced) and tries exactly once more. */
  async withToken<T>(key: string, call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.get(key);
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof WechatApiError) || error.kind !== 'stale_token') throw error;
      if (this.entries.get(key)?.token === token) this.entries.delete(key);
      return call(await this.refresh(key, true));
    }
  }

  private refresh(key: string, force: boolean): Promise<string> {
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const fetching = this.fetchToken(key, force)
      .then(({ accessToken, expiresInSeconds }) => {
        const lifetime = expiresInSeconds * 1000;
        this.entries.set(key, { token: accessToken, renewAt: this.now() + Math.max(lifetime - RENEW_EARLY_MS, lifetime / 2) });
        return accessToken;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }
}

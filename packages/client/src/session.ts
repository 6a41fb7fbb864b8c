/**
 * The session: kept in storage, started by logging in, renewed by refreshing. Renewals are shared: any
 * number of requests that fail together with an expired token cause one refreshSession call, because a
 * refresh token works once and a second use revokes the whole session.
 */
import { LoginError } from './errors.js';
import { LoginDocument, RefreshSessionDocument, type LoginMutation } from './generated/graphql.js';
import type { GraphQLResult, SessionStorage, TypedDocument } from './types.js';

/** A logged-in session as stored. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ms since the epoch, by this device's clock: informative only). */
  expiresAt: number;
  /** When to renew it ahead of expiry (by this device's clock; absent in sessions stored by older versions). */
  renewAt?: number;
  userId: string;
}

/** Sends a session operation anonymously (login, refresh and logout carry no access token). */
export type AnonymousSend = <TResult, TVariables>(document: TypedDocument<TResult, TVariables>, variables: TVariables) => Promise<GraphQLResult<TResult>>;

type SessionPayload = LoginMutation['login'];

/** How long before expiry a session is renewed: a minute, or a fifth of a shorter lifetime. */
const RENEW_AHEAD_MS = 60000;

/** Codes after which the refresh token is dead for good: the only way on is a new login. */
const DEAD_REFRESH_TOKEN = ['REFRESH_TOKEN_REUSED', 'REFRESH_TOKEN_INVALID'];

export interface SessionManagerOptions {
  appId: string;
  storage: SessionStorage;
  storageKey: string;
  send: AnonymousSend;
  /** A fresh wx.login() code; rejects with LoginError WX_LOGIN_FAILED. */
  loginCode(): Promise<string>;
  now(): number;
}

export class SessionManager {
  private current: StoredSession | undefined;
  private loaded = false;
  private pendingLogin: Promise<StoredSession> | undefined;
  private pendingRefresh: Promise<StoredSession> | undefined;

  constructor(private readonly options: SessionManagerOptions) {}

  /** The stored session, if any (read from storage once). */
  peek(): StoredSession | undefined {
    if (!this.loaded) {
      this.loaded = true;
      const text = this.options.storage.get(this.options.storageKey);
      try {
        this.current = text ? (JSON.parse(text) as StoredSession) : undefined;
      } catch {
        this.current = undefined;
      }
    }
    return this.current;
  }

  /**
   * The current session, logging in first when there is none, and renewed first when its access token is
   * about to expire, so requests rarely meet an expired token. The device's clock may be wrong: the
   * gateway's TOKEN_EXPIRED still leads to a renewal (see renew).
   */
  async get(): Promise<StoredSession> {
    const current = this.peek();
    if (!current) return this.login();
    return this.options.now() < (current.renewAt || current.expiresAt - RENEW_AHEAD_MS) ? current : this.renew(current);
  }

  /**
   * Logs in (wx.login() code, then the login mutation). Concurrent calls share one login; with a link
   * nonce it is a login of its own. A failure throws LoginError and is never retried here.
   */
  login(linkNonce?: string): Promise<StoredSession> {
    if (linkNonce === undefined && this.pendingLogin) return this.pendingLogin;
    const attempt = this.loginOnce(linkNonce);
    if (linkNonce !== undefined) return attempt;
    this.pendingLogin = attempt;
    const clear = () => {
      this.pendingLogin = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  /**
   * A session to retry with after `failed`'s access token was refused. If another request renewed it
   * already, that session; else one shared refresh; a dead refresh token means a new login.
   */
  renew(failed: StoredSession): Promise<StoredSession> {
    const current = this.peek();
    if (current && current.accessToken !== failed.accessToken) return Promise.resolve(current);
    if (!current) return this.login();
    if (!this.pendingRefresh) {
      const attempt = this.refresh(current);
      this.pendingRefresh = attempt;
      const clear = () => {
        this.pendingRefresh = undefined;
      };
      attempt.then(clear, clear);
    }
    return this.pendingRefresh;
  }

  /**
   * A new session after `failed`'s was ended elsewhere (SESSION_REVOKED): refreshing cannot help, so one
   * new login, shared by every request that failed alike. A request that was sent with an older session
   * gets the current one.
   */
  relogin(failed: StoredSession): Promise<StoredSession> {
    const current = this.peek();
    if (current && current.accessToken !== failed.accessToken) return Promise.resolve(current);
    this.clear();
    return this.login();
  }

  /** Forgets the session, in memory and in storage. */
  clear(): void {
    this.loaded = true;
    this.current = undefined;
    this.options.storage.remove(this.options.storageKey);
  }

  private async loginOnce(linkNonce: string | undefined): Promise<StoredSession> {
    const code = await this.options.loginCode();
    const result = await this.options.send(LoginDocument, { appId: this.options.appId, code, linkNonce });
    if (!result.data) {
      const error = result.errors && result.errors[0];
      const errorCode = error && error.extensions && error.extensions.code;
      throw new LoginError((errorCode as LoginError['code']) || 'INTERNAL_SERVER_ERROR', error ? error.message : 'login failed');
    }
    return this.store(result.data.login);
  }

  private async refresh(session: StoredSession): Promise<StoredSession> {
    const result = await this.options.send(RefreshSessionDocument, { refreshToken: session.refreshToken });
    if (result.data) return this.store(result.data.refreshSession);
    const code = result.errors && result.errors[0] && result.errors[0].extensions && result.errors[0].extensions.code;
    if (code && DEAD_REFRESH_TOKEN.indexOf(code) >= 0) {
      this.clear();
      return this.login();
    }
    throw new LoginError((code as LoginError['code']) || 'INTERNAL_SERVER_ERROR', 'the session could not be refreshed');
  }

  private store(payload: SessionPayload): StoredSession {
    const now = this.options.now();
    const lifetime = payload.expiresIn * 1000;
    const session: StoredSession = {
      accessToken: payload.accessToken,
      refreshToken: payload.refreshToken,
      expiresAt: now + lifetime,
      renewAt: now + lifetime - Math.min(RENEW_AHEAD_MS, lifetime / 5),
      userId: payload.user.id,
    };
    this.loaded = true;
    this.current = session;
    this.options.storage.set(this.options.storageKey, JSON.stringify(session));
    return session;
  }
}

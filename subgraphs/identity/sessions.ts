/**
 * Sessions: a short-lived access token plus a rotating refresh token. Each refresh token works once;
 * using one again means it leaked, so the whole family (every token descended from that login) is
 * revoked. Only SHA-256 hashes of refresh tokens are stored.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PlatformError } from '../../platform/errors.js';
import type { AccessTokenIssuer } from './access-tokens.js';
import { outcomeOf, type IdentityMetrics } from './identity-metrics.js';
import type { IdentityStore } from './identity-store.js';

/** @default 30 days */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;
const REFRESH_TOKEN_PATTERN = /^rt_[A-Za-z0-9_-]{43}$/;

export interface SessionTokens {
  userId: string;
  /** The app the session logged in from. */
  appId: string;
  /** The session family. */
  sessionId: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export class SessionService {
  constructor(
    private readonly store: IdentityStore,
    private readonly issuer: AccessTokenIssuer,
    private readonly now: () => Date = () => new Date(),
    private readonly metrics?: IdentityMetrics,
  ) {}

  /** A new session family for a login. */
  start(userId: string, appId: string): Promise<SessionTokens> {
    return this.issue(userId, appId, randomUUID());
  }

  /** Rotates a refresh token. A second use of the same token revokes its whole family. */
  async refresh(refreshToken: string): Promise<SessionTokens> {
    try {
      const tokens = await this.rotate(refreshToken);
      this.metrics?.refresh('ok');
      return tokens;
    } catch (error) {
      this.metrics?.refresh(outcomeOf(error));
      throw error;
    }
  }

  private async rotate(refreshToken: string): Promise<SessionTokens> {
    if (!REFRESH_TOKEN_PATTERN.test(refreshToken)) throw new PlatformError('REFRESH_TOKEN_INVALID', 'The refresh token is not valid.');
    const hash = hashOf(refreshToken);
    const now = this.now();
    const consumed = await this.store.consumeRefreshToken(hash, now);
    if (consumed) return this.issue(consumed.userId, consumed.appId, consumed.familyId);
    const known = await this.store.findRefreshToken(hash);
    if (known?.usedAt) {
      await this.store.revokeFamily(known.familyId, now);
      throw new PlatformError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been revoked. Log in again.');
    }
    throw new PlatformError('REFRESH_TOKEN_INVALID', 'The refresh token is unknown, expired or revoked.');
  }

  /** Ends the session family the token belongs to. True if there was one. */
  async logout(refreshToken: string): Promise<boolean> {
    if (!REFRESH_TOKEN_PATTERN.test(refreshToken)) return false;
    const known = await this.store.findRefreshToken(hashOf(refreshToken));
    if (!known) return false;
    await this.store.revokeFamily(known.familyId, this.now());
    return true;
  }

  private async issue(userId: string, appId: string, familyId: string): Promise<SessionTokens> {
    const refreshToken = `rt_${randomBytes(32).toString('base64url')}`;
    await this.store.insertRefreshToken({
      _id: hashOf(refreshToken),
      familyId,
      userId,
      appId,
      expiresAt: new Date(this.now().getTime() + REFRESH_TOKEN_TTL_MS),
    });
    const { token, expiresIn } = await this.issuer.issue({ sub: userId, app: appId, sid: familyId });
    return { userId, appId, sessionId: familyId, accessToken: token, expiresIn, refreshToken };
  }
}

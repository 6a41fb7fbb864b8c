/**
 * Who is asking: the bearer access token, verified against the identity service's JWKS. No token is an
 * anonymous viewer (public fields still work); a bad or expired token is a 401 whose `extensions.reason`
 * tells the client whether refreshing can help (TOKEN_EXPIRED) or the token was never good (TOKEN_INVALID).
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { UnauthenticatedReason } from '../platform/errors.js';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '../platform/identity/access-token.js';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';

export interface Viewer {
  userId: string;
  /** The app the session logged in from. */
  appId: string;
  sessionId: string;
  /** When the access token expires (epoch ms), as the token says: a socket authenticated by it closes then. */
  tokenExpiresAtMs?: number;
}

export type ViewerVerifier = (authorization: string | undefined) => Promise<Viewer | undefined>;

/** Verified tokens are remembered until they expire: verifying ES256 on every request is the gateway's costliest step. */
const VERIFIED_CACHE_LIMIT = 10_000;

export function createViewerVerifier(jwks: JWTVerifyGetKey | URL, now: () => number = Date.now): ViewerVerifier {
  const keys = jwks instanceof URL ? createRemoteJWKSet(jwks, { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 }) : jwks;
  const verified = new Map<string, { viewer: Viewer; expiresAtMs: number }>();

  return async (authorization) => {
    if (authorization === undefined || authorization === '') return undefined;
    // RFC 7235: the auth-scheme is case-insensitive ("bearer" and "BEARER" are "Bearer").
    const match = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(authorization);
    if (!match) throw rejected('TOKEN_INVALID', 'The Authorization header must be "Bearer <access token>".');
    const token = match[1]!;
    // Keyed by the token, not the header: spellings of one header ("bearer", more spaces) share one entry.
    const cached = verified.get(token);
    if (cached && cached.expiresAtMs > now()) return cached.viewer;
    if (cached) verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        typ: 'at+jwt',
        currentDate: new Date(now()),
      });
      if (typeof payload.sub !== 'string' || typeof payload.app !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
        throw new Error('token lacks sub, app, sid or exp');
      }
      const viewer: Viewer = { userId: payload.sub, appId: payload.app, sessionId: payload.sid, tokenExpiresAtMs: payload.exp * 1000 };
      if (verified.size >= VERIFIED_CACHE_LIMIT) verified.delete(verified.keys().next().value!);
      verified.set(token, { viewer, expiresAtMs: payload.exp * 1000 });
      return viewer;
    } catch (error) {
      // jose checks the signature before the claims, so an expired token here was genuinely ours.
      if (error instanceof joseErrors.JWTExpired) throw rejected('TOKEN_EXPIRED', 'The access token has expired; refresh the session.');
      throw rejected('TOKEN_INVALID', 'The access token is invalid; refresh the session or log in again.');
    }
  };
}

const rejected = (reason: UnauthenticatedReason, message: string) => new HttpError(401, 'UNAUTHENTICATED', message, { reason });

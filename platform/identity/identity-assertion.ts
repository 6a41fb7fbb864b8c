/**
 * The identity the gateway injects into a subgraph request, and its signature. The claims travel as
 * base64url JSON; the signature is HMAC-SHA256 (a per-subgraph secret) over the claims and a digest of
 * the request's query and variables, so a captured header is useless for any other request and
 * expires within seconds.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Headers } from '../headers.js';

/** What a subgraph learns about the viewer. Merchant subgraphs get only their own OpenID. */
export interface IdentityClaims {
  v: 1;
  /** The subgraph the claims are for; another subgraph's secret cannot verify them anyway. */
  sg: string;
  /** Request id, for correlating logs. */
  rid: string;
  /** Issued-at, epoch seconds. */
  iat: number;
  /** Expiry, epoch seconds. */
  exp: number;
  /** Identity subgraph only: the platform user id. */
  uid?: string;
  /** Identity subgraph only: the app the session logged in from. */
  sapp?: string;
  /** Identity subgraph only: the session family (binds link nonces to the session). */
  sid?: string;
  /** Merchant subgraphs: the merchant the subgraph belongs to. */
  mid?: string;
  /** Merchant subgraphs: the merchant's mini-program appId. */
  app?: string;
  /** Merchant subgraphs: the viewer's OpenID in the merchant's app; absent when not linked or anonymous. */
  oid?: string;
  /** Merchant subgraphs: the viewer's pairwise pseudonym for this merchant (what User.id looks like there). */
  psu?: string;
}

/** How long an injected identity stays valid. Subgraph calls happen within milliseconds of signing. */
export const IDENTITY_TTL_SECONDS = 30;
/** Tolerated clock difference between gateway and subgraph hosts. */
const CLOCK_SKEW_SECONDS = 5;

/** Digest of what the request asks, as both sides see it: the query text and the variables. */
export function requestDigest(query: string | undefined, variables: unknown): string {
  return createHash('sha256')
    .update(query ?? '')
    .update('\n')
    .update(JSON.stringify(variables ?? null))
    .digest('base64url');
}

function mac(secret: string, encodedClaims: string, digest: string): Buffer {
  return createHmac('sha256', secret).update(encodedClaims).update('.').update(digest).digest();
}

/** The two headers to set on a subgraph request. */
export function signIdentity(secret: string, claims: IdentityClaims, digest: string): Record<string, string> {
  const encoded = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { [Headers.identityClaims]: encoded, [Headers.identitySignature]: mac(secret, encoded, digest).toString('base64url') };
}

export type VerifyResult = { ok: true; claims: IdentityClaims | undefined } | { ok: false; reason: string };

/**
 * Checks the injected identity on an incoming subgraph request. No identity headers at all is an
 * anonymous request (direct calls are allowed to be anonymous); claims without a valid, fresh
 * signature for this subgraph and this request are refused.
 */
export function verifyIdentity(
  secret: string,
  subgraph: string,
  headers: Record<string, string | string[] | undefined>,
  digest: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): VerifyResult {
  const encoded = headers[Headers.identityClaims];
  const signature = headers[Headers.identitySignature];
  if (encoded === undefined && signature === undefined) return { ok: true, claims: undefined };
  if (typeof encoded !== 'string' || typeof signature !== 'string') return { ok: false, reason: 'identity claims without a signature' };
  const expected = mac(secret, encoded, digest);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'identity signature does not match' };
  let claims: IdentityClaims;
  try {
    claims = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as IdentityClaims;
  } catch {
    return { ok: false, reason: 'identity claims are not JSON' };
  }
  if (claims.v !== 1 || claims.sg !== subgraph) return { ok: false, reason: 'identity claims are for another subgraph' };
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return { ok: false, reason: 'identity claims carry no validity window' };
  if (nowSeconds > claims.exp + CLOCK_SKEW_SECONDS || claims.iat > nowSeconds + CLOCK_SKEW_SECONDS) return { ok: false, reason: 'identity claims are stale' };
  return { ok: true, claims };
}

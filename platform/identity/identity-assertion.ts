/**
 * The identity the gateway injects into a subgraph request, and its signature, in one header:
 * `x-identity: <claims>.<mac>`, where claims is base64url JSON and mac is HMAC-SHA256 (a per-subgraph
 * secret) over the claims, the SHA-256 of the query text and the variables. A captured header is useless
 * for any other query, variables or subgraph, and expires within seconds.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Headers, IDENTITY_HEADER_PREFIX } from '../headers.js';

/** What a subgraph learns about the viewer. Merchant subgraphs get only their own OpenID. */
export interface IdentityClaims {
  v: 1;
  /** The subgraph the claims are for; another subgraph's secret cannot verify them anyway. */
  sg: string;
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

/** SHA-256 of each query text seen, remembered: a gateway sends few distinct operations, many times. */
const queryDigests = new Map<string, string>();
const QUERY_DIGEST_CACHE_LIMIT = 10_000;

function queryDigest(query: string): string {
  let digest = queryDigests.get(query);
  if (digest === undefined) {
    digest = createHash('sha256').update(query).digest('base64url');
    if (queryDigests.size >= QUERY_DIGEST_CACHE_LIMIT) queryDigests.clear();
    queryDigests.set(query, digest);
  }
  return digest;
}

/** What the MAC covers besides the claims: the request's query (by digest) and variables, as both sides see them. */
export function requestBinding(query: string | undefined, variables: unknown): string {
  return `${queryDigest(query ?? '')}\n${JSON.stringify(variables ?? null)}`;
}

function mac(secret: string, encodedClaims: string, binding: string): Buffer {
  return createHmac('sha256', secret).update(encodedClaims).update('.').update(binding).digest();
}

export function encodeClaims(claims: IdentityClaims): string {
  return Buffer.from(JSON.stringify(claims)).toString('base64url');
}

/** The header value for already-encoded claims. */
export function signEncodedIdentity(secret: string, encodedClaims: string, binding: string): string {
  return `${encodedClaims}.${mac(secret, encodedClaims, binding).toString('base64url')}`;
}

/** The header to set on a subgraph request. */
export function signIdentity(secret: string, claims: IdentityClaims, binding: string): Record<string, string> {
  return { [Headers.identity]: signEncodedIdentity(secret, encodeClaims(claims), binding) };
}

export type VerifyResult = { ok: true; claims: IdentityClaims | undefined } | { ok: false; reason: string };

/**
 * Checks the injected identity on an incoming subgraph request. No identity header at all is an
 * anonymous request (direct calls may be anonymous); anything claiming an identity without a valid,
 * fresh signature for this subgraph and this request is refused.
 */
export function verifyIdentity(
  secret: string,
  subgraph: string,
  headers: Record<string, string | string[] | undefined>,
  binding: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): VerifyResult {
  const value = headers[Headers.identity];
  if (value === undefined) {
    const claimed = Object.keys(headers).some((name) => name.startsWith(IDENTITY_HEADER_PREFIX));
    return claimed ? { ok: false, reason: 'identity claimed without a signed x-identity header' } : { ok: true, claims: undefined };
  }
  if (typeof value !== 'string') return { ok: false, reason: 'more than one identity header' };
  const dot = value.indexOf('.');
  if (dot <= 0) return { ok: false, reason: 'identity claims without a signature' };
  const encoded = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = mac(secret, encoded, binding);
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

/** The claims inside an `x-identity` header value, unverified (for tests and diagnostics only). */
export function peekClaims(value: string): IdentityClaims {
  return JSON.parse(Buffer.from(value.slice(0, value.indexOf('.')), 'base64url').toString('utf8')) as IdentityClaims;
}

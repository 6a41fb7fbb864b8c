/**
 * The identity the gateway injects into a subgraph request, and its signature, in one header:
 * `x-identity: <claims>.<mac>`, where claims is base64url JSON and mac is HMAC-SHA256 (a per-subgraph
 * secret) over the claims and the exact body of the POST that carries them. A captured header is useless
 * for any other query, variables or subgraph, and expires within seconds. Signing the bytes as sent
 * (rather than a canonical form of query and variables) leaves nothing to re-serialise on either side.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Headers, IDENTITY_HEADER_PREFIX } from '../../platform/headers.js';

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
  /** Merchant subgraphs: the viewer is linked, but has not consented to this merchant receiving the OpenID (so `oid` is absent). */
  cr?: true;
  /** Merchant subgraphs: the viewer's pairwise pseudonym for this merchant (what User.id looks like there). */
  psu?: string;
}

/** How long an injected identity stays valid. Subgraph calls happen within milliseconds of signing. */
export const IDENTITY_TTL_SECONDS = 30;
/** Tolerated clock difference between gateway and subgraph hosts. */
const CLOCK_SKEW_SECONDS = 5;

/** A subgraph's signing secret, prepared once (a KeyObject saves re-importing the key on every fetch). */
export type IdentityKey = KeyObject;

export function identityKey(secret: string): IdentityKey {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

function mac(key: IdentityKey, encodedClaims: string, body: string): Buffer {
  return createHmac('sha256', key).update(`${encodedClaims}.${body}`).digest();
}

export function encodeClaims(claims: IdentityClaims): string {
  return Buffer.from(JSON.stringify(claims)).toString('base64url');
}

/** The `x-identity` value for already-encoded claims, bound to the exact request body that will carry it. */
export function signEncodedIdentity(key: IdentityKey, encodedClaims: string, body: string): string {
  return `${encodedClaims}.${mac(key, encodedClaims, body).toString('base64url')}`;
}

/** The header to set on a subgraph request with this body. */
export function signIdentity(key: IdentityKey, claims: IdentityClaims, body: string): Record<string, string> {
  return { [Headers.identity]: signEncodedIdentity(key, encodeClaims(claims), body) };
}

export type VerifyResult = { ok: true; claims: IdentityClaims | undefined } | { ok: false; reason: string };

/** What the verifier needs of an incoming request. */
export interface SignedRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received (undefined without one). */
  rawBody: string | undefined;
}

/**
 * Checks the injected identity on an incoming subgraph request. No identity header at all is an
 * anonymous request (direct calls may be anonymous); anything claiming an identity without a valid,
 * fresh signature for this subgraph and this exact body is refused. Identities ride only on POST:
 * the gateway never sends them another way.
 */
export function verifyIdentity(key: IdentityKey, subgraph: string, request: SignedRequest, nowSeconds = Math.floor(Date.now() / 1000)): VerifyResult {
  const { headers } = request;
  const value = headers[Headers.identity];
  // The signature covers only x-identity: any other x-identity* header beside it is unsigned and refused.
  const others = Object.keys(headers).some((name) => name !== Headers.identity && name.toLowerCase().startsWith(IDENTITY_HEADER_PREFIX));
  if (value === undefined) return others ? { ok: false, reason: 'identity claimed without a signed x-identity header' } : { ok: true, claims: undefined };
  if (others) return { ok: false, reason: 'another x-identity* header accompanies the signed identity' };
  if (typeof value !== 'string') return { ok: false, reason: 'more than one identity header' };
  if (request.method !== 'POST' || request.rawBody === undefined) return { ok: false, reason: 'identity sent without a POST body to bind it to' };
  const dot = value.indexOf('.');
  if (dot <= 0) return { ok: false, reason: 'identity claims without a signature' };
  const encoded = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = mac(key, encoded, request.rawBody);
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

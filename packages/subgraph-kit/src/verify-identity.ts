/**
 * Checks the identity the gateway injects, for any framework or none: give it the request's method,
 * headers and body bytes as received, and it answers the claims or why it refused them. No identity
 * header at all is an anonymous request; anything claiming an identity without a valid, fresh
 * signature for this subgraph and this exact body is refused. The cases in
 * `test-vectors/identity-v1.json` pin every rule for verifiers in other languages.
 */
import { timingSafeEqual } from 'node:crypto';
import { IDENTITY_HEADER, IDENTITY_HEADER_PREFIX } from './headers.js';
import { CLOCK_SKEW_SECONDS, identityKey, identityMac, type IdentityClaims, type IdentityKey } from './identity-assertion.js';

/** Why an identity was refused. Each is a 401 for the caller; log the reason, never the header. */
export type IdentityRefusal =
  /** Another `x-identity*` header came with (or instead of) `x-identity`: only the gateway's signed one counts. */
  | 'EXTRA_IDENTITY_HEADER'
  /** `x-identity` appeared more than once. */
  | 'DUPLICATE_IDENTITY_HEADER'
  /** The identity came on something other than a POST with a body to bind it to. */
  | 'NOT_POST'
  /** Not `<base64url>.<base64url>`. */
  | 'MALFORMED'
  /** The MAC does not match this body under any accepted secret. */
  | 'BAD_SIGNATURE'
  /** Signed, but not claims of version 1 with a validity window. */
  | 'BAD_CLAIMS'
  /** Signed for another subgraph. */
  | 'WRONG_SUBGRAPH'
  /** Expired (beyond the tolerated clock skew). */
  | 'EXPIRED'
  /** Issued in the future (beyond the tolerated clock skew). */
  | 'NOT_YET_VALID';

export type IdentityVerification = { ok: true; claims: IdentityClaims | undefined } | { ok: false; reason: IdentityRefusal };

/** A request as any HTTP framework has it. Header names are matched case-insensitively. */
export interface IdentityRequest {
  method: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body exactly as received: bytes, or the text they decode to; undefined without one. */
  rawBody: string | Uint8Array | undefined;
}

export interface VerifyIdentityOptions extends IdentityRequest {
  /**
   * The secret shared with the gateway; during a rotation, the current and the previous one
   * (`[current, previous]`): either verifies.
   */
  secret: string | readonly string[];
  /** This subgraph's name (the claims' `sg`). */
  subgraph: string;
  /** Epoch seconds. @default the current time */
  now?: number;
}

/**
 * Verifies the gateway's `x-identity` header on one request.
 * @example
 * const result = verifyIdentity({ method: req.method, headers: req.headers, rawBody, secret: [current, previous], subgraph: 'teashop' });
 * if (!result.ok) return res.writeHead(401).end(); // result.reason says why
 * const openId = result.claims?.oid;
 */
export function verifyIdentity(options: VerifyIdentityOptions): IdentityVerification {
  const secrets: readonly string[] = typeof options.secret === 'string' ? [options.secret] : options.secret;
  return verifyWithKeys(options, secrets.map(identityKey), options.subgraph, options.now);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `verifyIdentity` with keys prepared once (what the kit's own server does on every request). */
export function verifyWithKeys(
  request: IdentityRequest,
  keys: readonly IdentityKey[],
  subgraph: string,
  now = Math.floor(Date.now() / 1000),
): IdentityVerification {
  let value: string | readonly string[] | undefined;
  for (const [name, headerValue] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (lower === IDENTITY_HEADER) value = headerValue;
    else if (lower.startsWith(IDENTITY_HEADER_PREFIX) && headerValue !== undefined) return refuse('EXTRA_IDENTITY_HEADER');
  }
  if (value === undefined) return { ok: true, claims: undefined };
  if (typeof value !== 'string') {
    if (value.length !== 1) return refuse('DUPLICATE_IDENTITY_HEADER');
    value = value[0]!;
  }
  if (request.method.toUpperCase() !== 'POST' || request.rawBody === undefined) return refuse('NOT_POST');
  const [encoded, signature, ...rest] = value.split('.');
  if (!encoded || !signature || rest.length > 0 || !BASE64URL.test(encoded) || !BASE64URL.test(signature)) return refuse('MALFORMED');
  const given = Buffer.from(signature, 'base64url');
  const signedBy = keys.some((key) => {
    const expected = identityMac(key, encoded, request.rawBody!);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!signedBy) return refuse('BAD_SIGNATURE');
  const claims = parseClaims(encoded);
  if (!claims) return refuse('BAD_CLAIMS');
  if (claims.sg !== subgraph) return refuse('WRONG_SUBGRAPH');
  if (now > claims.exp + CLOCK_SKEW_SECONDS) return refuse('EXPIRED');
  if (claims.iat > now + CLOCK_SKEW_SECONDS) return refuse('NOT_YET_VALID');
  return { ok: true, claims };
}

function parseClaims(encoded: string): IdentityClaims | undefined {
  try {
    const claims = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Partial<IdentityClaims> | null;
    const valid = claims?.v === 1 && typeof claims.sg === 'string' && Number.isFinite(claims.iat) && Number.isFinite(claims.exp);
    return valid ? (claims as IdentityClaims) : undefined;
  } catch {
    return undefined;
  }
}

const refuse = (reason: IdentityRefusal): IdentityVerification => ({ ok: false, reason });

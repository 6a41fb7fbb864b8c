/**
 * The gateway's identity over a socket (version 1). The `connection_init` payload carries what an HTTP
 * request carries in headers (`x-identity`, `x-request-id`), and the MAC covers the exact text of the one
 * `subscribe` frame it was made for. Verifying it is the HTTP verifier's steps applied to method `POST`,
 * the payload's `x-identity*` keys as headers, and that frame as the body: one rule set, two transports.
 */
import { IDENTITY_HEADER_PREFIX } from './headers.js';
import { identityKey } from './identity-assertion.js';
import { verifyWithKeys, type IdentityRequest, type IdentityVerification } from './verify-identity.js';

/** A payload value that is not one string reads as a header that did not come exactly once (`DUPLICATE_IDENTITY_HEADER`). */
const NOT_ONE_STRING: readonly string[] = [];

/**
 * The request the HTTP verifier checks for one `subscribe` frame: method `POST`; as headers, the
 * `connection_init` payload's keys that start with `x-identity` in any case (strings as they are, any other
 * value, or a second key naming the same header, as a header sent more than once); as the body, the frame.
 */
export function socketIdentityRequest(connectionInitPayload: unknown, frame: string | Uint8Array): IdentityRequest {
  const headers: Record<string, string | readonly string[]> = {};
  if (typeof connectionInitPayload === 'object' && connectionInitPayload !== null) {
    for (const [key, value] of Object.entries(connectionInitPayload)) {
      const name = key.toLowerCase();
      if (!name.startsWith(IDENTITY_HEADER_PREFIX)) continue;
      headers[name] = typeof value === 'string' && !Object.hasOwn(headers, name) ? value : NOT_ONE_STRING;
    }
  }
  return { method: 'POST', headers, rawBody: frame };
}

export interface VerifySocketIdentityOptions {
  /** The `connection_init` message's `payload`, parsed from JSON (undefined when it had none). */
  connectionInitPayload: unknown;
  /** The `subscribe` message exactly as received: the frame's text, or its UTF-8 bytes. Never a re-serialised copy. */
  frame: string | Uint8Array;
  /** The secret shared with the gateway; during a rotation `[current, previous]`: either verifies. */
  secret: string | readonly string[];
  /** This subgraph's name (the claims' `sg`). */
  subgraph: string;
  /** Epoch seconds. @default the current time */
  now?: number;
}

/**
 * Verifies the identity of one subscription: the `connection_init` payload's `x-identity` against the
 * `subscribe` frame that follows it on the socket. Same answers as `verifyIdentity`; no `x-identity` key
 * is an anonymous subscription.
 * @example
 * // In any WebSocket server: keep the connection_init payload, and verify each subscribe frame's text before parsing it.
 * const result = verifySocketIdentity({ connectionInitPayload, frame: text, secret: [current, previous], subgraph: 'teashop' });
 * if (!result.ok) return sendError(id, refusal); // result.reason is for your log only
 */
export function verifySocketIdentity(options: VerifySocketIdentityOptions): IdentityVerification {
  const secrets: readonly string[] = typeof options.secret === 'string' ? [options.secret] : options.secret;
  return verifyWithKeys(socketIdentityRequest(options.connectionInitPayload, options.frame), secrets.map(identityKey), options.subgraph, options.now);
}

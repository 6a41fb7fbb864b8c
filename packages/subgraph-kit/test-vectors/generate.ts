/**
 * Generates `identity-v1.json`, the language-neutral cases of the gateway-to-subgraph identity format
 * (`npm run kit:test-vectors`). Deterministic: fixed secrets, claims, bodies and clock, so the committed
 * file changes only when the format does (a test checks it is current).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IDENTITY_HEADER, REQUEST_ID_HEADER } from '../src/headers.js';
import { IDENTITY_TTL_SECONDS, encodeClaims, identityKey, signEncodedIdentity, type IdentityClaims } from '../src/identity-assertion.js';
import type { IdentityRefusal } from '../src/verify-identity.js';

export interface IdentityTestVector {
  name: string;
  /** Secrets the subgraph accepts, current first (two during a rotation). */
  secrets: string[];
  subgraph: string;
  method: string;
  headers: Record<string, string | string[]>;
  /** The body bytes, base64; null for a request without a body. */
  body: string | null;
  /** The verifier's clock, epoch seconds. */
  now: number;
  expect: { ok: true; claims: IdentityClaims | null } | { ok: false; reason: IdentityRefusal };
}

/** One subscription's identity over a socket: the `connection_init` payload, and the `subscribe` frame that follows it. */
export interface SocketIdentityTestVector {
  name: string;
  secrets: string[];
  subgraph: string;
  /** The `connection_init` message's payload as JSON; null for a `connection_init` without one. */
  connectionInitPayload: Record<string, unknown> | null;
  /** The `subscribe` frame's exact text (its UTF-8 bytes are what the MAC covers). */
  frame: string;
  now: number;
  expect: { ok: true; claims: IdentityClaims | null } | { ok: false; reason: IdentityRefusal };
}

const SECRET = 'teashop-subgraph-secret-0001';
const PREVIOUS = 'teashop-subgraph-secret-0000';
const SUBGRAPH = 'teashop';
const NOW = 1_767_225_600;
const CLAIMS: IdentityClaims = {
  v: 1,
  sg: SUBGRAPH,
  iat: NOW,
  exp: NOW + IDENTITY_TTL_SECONDS,
  mid: 'teashop',
  app: 'wx6000000000000001',
  oid: 'oTeashopOpenIdOfTheViewer000',
  psu: 'u_pseudonym-of-the-viewer',
};
const BODY = JSON.stringify({ query: '{ me { teaStamps } }', variables: {} });

const sign = (claims: unknown, body: string, secret = SECRET) => signEncodedIdentity(identityKey(secret), encodeClaims(claims as IdentityClaims), body);
const post = (headers: Record<string, string | string[]>, body: string | null = BODY) => ({
  method: 'POST',
  headers,
  body: body === null ? null : Buffer.from(body).toString('base64'),
});
const base = { secrets: [SECRET], subgraph: SUBGRAPH, now: NOW };
const accepted = (claims: IdentityClaims | null) => ({ ok: true as const, claims });
const refused = (reason: IdentityRefusal) => ({ ok: false as const, reason });
const signed = sign(CLAIMS, BODY);
const [encodedClaims, mac] = signed.split('.') as [string, string];

export function identityTestVectors(): { format: string; cases: IdentityTestVector[]; sockets: { format: string; cases: SocketIdentityTestVector[] } } {
  const unicodeBody = JSON.stringify({ query: 'mutation($n: String!) { order(tea: $n) }', variables: { n: '铁观音 – Tiě Guān Yīn' } });
  const anonymous = { v: 1, sg: SUBGRAPH, iat: NOW, exp: NOW + IDENTITY_TTL_SECONDS, mid: 'teashop', app: 'wx6000000000000001' } as IdentityClaims;
  const cases: IdentityTestVector[] = [
    { name: 'valid identity', ...base, ...post({ [IDENTITY_HEADER]: signed }), expect: accepted(CLAIMS) },
    {
      name: 'valid identity over a non-ASCII body (the MAC covers the UTF-8 bytes)',
      ...base,
      ...post({ [IDENTITY_HEADER]: sign(CLAIMS, unicodeBody) }, unicodeBody),
      expect: accepted(CLAIMS),
    },
    { name: 'header name in another case', ...base, ...post({ 'X-Identity': signed }), expect: accepted(CLAIMS) },
    { name: 'no identity header: anonymous request', ...base, ...post({}), expect: accepted(null) },
    {
      name: 'anonymous viewer: merchant claims without an OpenID',
      ...base,
      ...post({ [IDENTITY_HEADER]: sign(anonymous, BODY) }),
      expect: accepted(anonymous),
    },
    {
      name: 'signed with the previous secret during a rotation',
      ...base,
      secrets: [SECRET, PREVIOUS],
      ...post({ [IDENTITY_HEADER]: sign(CLAIMS, BODY, PREVIOUS) }),
      expect: accepted(CLAIMS),
    },
    {
      name: 'signed with the previous secret after the rotation ended',
      ...base,
      ...post({ [IDENTITY_HEADER]: sign(CLAIMS, BODY, PREVIOUS) }),
      expect: refused('BAD_SIGNATURE'),
    },
    {
      name: 'body changed by one byte',
      ...base,
      ...post({ [IDENTITY_HEADER]: signed }, BODY.replace('teaStamps', 'teaStampz')),
      expect: refused('BAD_SIGNATURE'),
    },
    {
      name: 'claims changed after signing',
      ...base,
      ...post({ [IDENTITY_HEADER]: `${encodeClaims({ ...CLAIMS, oid: 'oSomeoneElse' })}.${mac}` }),
      expect: refused('BAD_SIGNATURE'),
    },
    {
      name: 'signed for another subgraph',
      ...base,
      ...post({ [IDENTITY_HEADER]: sign({ ...CLAIMS, sg: 'coupons' }, BODY) }),
      expect: refused('WRONG_SUBGRAPH'),
    },
    { name: 'stale: past expiry plus the 5 s clock skew', ...base, now: CLAIMS.exp + 6, ...post({ [IDENTITY_HEADER]: signed }), expect: refused('EXPIRED') },
    { name: 'at expiry plus exactly the 5 s clock skew', ...base, now: CLAIMS.exp + 5, ...post({ [IDENTITY_HEADER]: signed }), expect: accepted(CLAIMS) },
    {
      name: 'issued in the future beyond the clock skew',
      ...base,
      ...post({ [IDENTITY_HEADER]: sign({ ...CLAIMS, iat: NOW + 6, exp: NOW + 36 }, BODY) }),
      expect: refused('NOT_YET_VALID'),
    },
    {
      name: 'another x-identity-* header beside a signed x-identity',
      ...base,
      ...post({ [IDENTITY_HEADER]: signed, 'x-identity-openid': 'oForged' }),
      expect: refused('EXTRA_IDENTITY_HEADER'),
    },
    { name: 'an x-identity-* header without x-identity', ...base, ...post({ 'x-identity-claims': encodedClaims }), expect: refused('EXTRA_IDENTITY_HEADER') },
    { name: 'x-identity twice', ...base, ...post({ [IDENTITY_HEADER]: [signed, signed] }), expect: refused('DUPLICATE_IDENTITY_HEADER') },
    { name: 'identity on a GET', ...base, ...post({ [IDENTITY_HEADER]: signed }, null), method: 'GET', expect: refused('NOT_POST') },
    { name: 'identity on a POST without a body', ...base, ...post({ [IDENTITY_HEADER]: signed }, null), expect: refused('NOT_POST') },
    {
      name: 'claims not base64url',
      ...base,
      ...post({ [IDENTITY_HEADER]: `${encodedClaims.slice(0, 10)}+/=${encodedClaims.slice(10)}.${mac}` }),
      expect: refused('MALFORMED'),
    },
    {
      name: 'signature not base64url',
      ...base,
      ...post({ [IDENTITY_HEADER]: `${encodedClaims}.${mac.slice(0, 20)}*${mac.slice(20)}` }),
      expect: refused('MALFORMED'),
    },
    { name: 'claims without a signature', ...base, ...post({ [IDENTITY_HEADER]: encodedClaims }), expect: refused('MALFORMED') },
    { name: 'three dot-separated parts', ...base, ...post({ [IDENTITY_HEADER]: `${signed}.${mac}` }), expect: refused('MALFORMED') },
    {
      name: 'bad signature of the right length',
      ...base,
      ...post({ [IDENTITY_HEADER]: `${encodedClaims}.${'A'.repeat(mac.length)}` }),
      expect: refused('BAD_SIGNATURE'),
    },
    { name: 'signed claims of another version', ...base, ...post({ [IDENTITY_HEADER]: sign({ ...CLAIMS, v: 2 }, BODY) }), expect: refused('BAD_CLAIMS') },
    {
      name: 'signed claims that are not JSON',
      ...base,
      ...post({ [IDENTITY_HEADER]: signEncodedIdentity(identityKey(SECRET), Buffer.from('not json').toString('base64url'), BODY) }),
      expect: refused('BAD_CLAIMS'),
    },
  ];
  return {
    format:
      'x-identity: <c>.<m>; c = base64url(JSON claims), m = base64url(HMAC-SHA256(secret, c + "." + body bytes)). Refuse any other x-identity* header, more than one x-identity, and identities on anything but a POST with a body; compare m in constant time against each accepted secret; then require v = 1, sg = your subgraph, now <= exp + 5 and iat <= now + 5 (epoch seconds). No header at all: anonymous.',
    cases,
    sockets: socketTestVectors(),
  };
}

const FRAME = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { cupPoured { number } }', variables: {} } });

function socketTestVectors(): { format: string; cases: SocketIdentityTestVector[] } {
  const unicodeFrame = JSON.stringify({
    id: '1',
    type: 'subscribe',
    payload: { query: 'subscription($t: String!) { cupPoured(tea: $t) { number } }', variables: { t: '铁观音' } },
  });
  const signedInit = (frame = FRAME, claims: unknown = CLAIMS) => ({ [IDENTITY_HEADER]: sign(claims, frame), [REQUEST_ID_HEADER]: 'req-1' });
  const socket = (name: string, connectionInitPayload: Record<string, unknown> | null, expect: SocketIdentityTestVector['expect'], frame = FRAME) => ({
    name,
    ...base,
    connectionInitPayload,
    frame,
    expect,
  });
  const cases: SocketIdentityTestVector[] = [
    socket('valid identity for its subscribe frame', signedInit(), accepted(CLAIMS)),
    socket('valid identity over a non-ASCII frame (the MAC covers its UTF-8 bytes)', signedInit(unicodeFrame), accepted(CLAIMS), unicodeFrame),
    socket('key name in another case', { 'X-Identity': sign(CLAIMS, FRAME) }, accepted(CLAIMS)),
    socket('no x-identity key: anonymous subscription', { [REQUEST_ID_HEADER]: 'req-1' }, accepted(null)),
    socket('connection_init without a payload: anonymous subscription', null, accepted(null)),
    socket(
      'another subscribe frame on the same socket',
      signedInit(),
      refused('BAD_SIGNATURE'),
      JSON.stringify({ id: '2', type: 'subscribe', payload: { query: 'subscription { cupPoured { number } }', variables: {} } }),
    ),
    socket('the signed frame with other spacing', signedInit(), refused('BAD_SIGNATURE'), JSON.stringify(JSON.parse(FRAME), null, 1)),
    socket('signed for another subgraph', signedInit(FRAME, { ...CLAIMS, sg: 'coupons' }), refused('WRONG_SUBGRAPH')),
    { ...socket('stale: past expiry plus the 5 s clock skew', signedInit(), refused('EXPIRED')), now: CLAIMS.exp + 6 },
    socket('another x-identity* key beside a signed x-identity', { ...signedInit(), 'x-identity-openid': 'oForged' }, refused('EXTRA_IDENTITY_HEADER')),
    socket('an x-identity* key without x-identity', { 'x-identity-claims': encodedClaims }, refused('EXTRA_IDENTITY_HEADER')),
    socket('x-identity as an array, even of one valid value', { [IDENTITY_HEADER]: [sign(CLAIMS, FRAME)] }, refused('DUPLICATE_IDENTITY_HEADER')),
    socket('x-identity null', { [IDENTITY_HEADER]: null }, refused('DUPLICATE_IDENTITY_HEADER')),
    socket(
      'x-identity under two spellings of the key',
      { [IDENTITY_HEADER]: sign(CLAIMS, FRAME), 'X-IDENTITY': sign(CLAIMS, FRAME) },
      refused('DUPLICATE_IDENTITY_HEADER'),
    ),
    socket('x-identity not base64url', { [IDENTITY_HEADER]: `${encodedClaims}.${mac}=` }, refused('MALFORMED')),
  ];
  return {
    format:
      'The identity of one subscription: connection_init payload {"x-identity": "<c>.<m>"}, with m over c + "." + the exact bytes of the subscribe frame that follows. Check it as a POST whose headers are the payload keys starting with x-identity (any case; a value that is not one string, or a key repeated in another case, counts as a header sent twice) and whose body is that frame. No such key: anonymous.',
    cases,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = fileURLToPath(new URL('./identity-v1.json', import.meta.url));
  writeFileSync(file, `${JSON.stringify(identityTestVectors(), null, 2)}\n`);
  console.log(`wrote ${file}`);
}

/** The kit's verifiers against every language-neutral case in packages/subgraph-kit/test-vectors/identity-v1.json (HTTP and sockets). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyIdentity, verifySocketIdentity } from '@identity-federation-gateway/subgraph-kit';
import { identityTestVectors, type IdentityTestVector, type SocketIdentityTestVector } from '../../packages/subgraph-kit/test-vectors/generate.js';

const committed = JSON.parse(readFileSync(fileURLToPath(new URL('../../packages/subgraph-kit/test-vectors/identity-v1.json', import.meta.url)), 'utf8')) as {
  cases: IdentityTestVector[];
  sockets: { cases: SocketIdentityTestVector[] };
};

describe('identity test vectors', () => {
  it('are what the generator produces (run `npm run kit:test-vectors` if this fails)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(identityTestVectors())));
  });

  it('cover every reason for refusal the verifier has', () => {
    const reasons = new Set(committed.cases.flatMap((c) => (c.expect.ok ? [] : [c.expect.reason])));
    expect([...reasons].sort()).toEqual(
      [
        'BAD_CLAIMS',
        'BAD_SIGNATURE',
        'DUPLICATE_IDENTITY_HEADER',
        'EXPIRED',
        'EXTRA_IDENTITY_HEADER',
        'MALFORMED',
        'NOT_POST',
        'NOT_YET_VALID',
        'WRONG_SUBGRAPH',
      ].sort(),
    );
  });

  it.each(committed.cases.map((c) => [c.name, c] as const))('%s', (_name, vector) => {
    const result = verifyIdentity({
      method: vector.method,
      headers: vector.headers,
      rawBody: vector.body === null ? undefined : Buffer.from(vector.body, 'base64'),
      secret: vector.secrets,
      subgraph: vector.subgraph,
      now: vector.now,
    });
    expect(result.ok ? { ok: true, claims: result.claims ?? null } : result).toEqual(vector.expect);
  });
});

describe('socket identity test vectors', () => {
  it('cover the socket-specific rules: the frame, payload values that are not one string, keys in two spellings, anonymous sockets', () => {
    const reasons = new Set(committed.sockets.cases.flatMap((c) => (c.expect.ok ? [] : [c.expect.reason])));
    expect([...reasons].sort()).toEqual(['BAD_SIGNATURE', 'DUPLICATE_IDENTITY_HEADER', 'EXPIRED', 'EXTRA_IDENTITY_HEADER', 'MALFORMED', 'WRONG_SUBGRAPH']);
    expect(committed.sockets.cases.filter((c) => c.expect.ok && c.expect.claims === null)).toHaveLength(2);
  });

  it.each(committed.sockets.cases.map((c) => [c.name, c] as const))('%s', (_name, vector) => {
    const result = verifySocketIdentity({
      connectionInitPayload: vector.connectionInitPayload ?? undefined,
      frame: vector.frame,
      secret: vector.secrets,
      subgraph: vector.subgraph,
      now: vector.now,
    });
    expect(result.ok ? { ok: true, claims: result.claims ?? null } : result).toEqual(vector.expect);
  });
});

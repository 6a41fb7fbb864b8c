/**
 * The kit README's "verifier's contract" section is what teams in other languages implement from, so it
 * must stay what the verifier does: every refusal reason, the numbered order of the checks (proved with
 * requests failing several checks at once), the clock skew and the TTL, how the secret becomes the key,
 * the claims, the answer to a refusal, and the fields of the test vectors.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IDENTITY_HEADER,
  IDENTITY_HEADER_PREFIX,
  IDENTITY_SIGNATURE_INVALID,
  IDENTITY_TTL_SECONDS,
  encodeClaims,
  identityKey,
  loadTypeDefs,
  signEncodedIdentity,
  startMerchantService,
  verifyIdentity,
  type IdentityClaims,
  type IdentityRefusal,
  type RunningHttpServer,
} from '@identity-federation-gateway/subgraph-kit';

const KIT = '@identity-federation-gateway/subgraph-kit';
const kitFile = (path: string) => fileURLToPath(new URL(`../../packages/subgraph-kit/${path}`, import.meta.url));

interface Vector {
  name: string;
  secrets: string[];
  subgraph: string;
  headers: Record<string, string | string[]>;
  body: string | null;
  expect: { ok: true; claims: IdentityClaims | null } | { ok: false; reason: IdentityRefusal };
}
const vectors = JSON.parse(readFileSync(createRequire(import.meta.url).resolve(`${KIT}/test-vectors/identity-v1.json`), 'utf8')) as {
  format: string;
  cases: Vector[];
};

/** The text from a heading to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`packages/subgraph-kit/README.md has no "${heading}" heading`);
  const level = heading.indexOf(' ');
  const rest = text.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}

const readme = readFileSync(kitFile('README.md'), 'utf8');
const contract = section(readme, "## The identity header: the verifier's contract");
const orderSection = section(contract, '### The order of checks');
/** The numbered steps, in the README's order. */
const steps = orderSection.split(/\n(?=\d+\. )/).filter((chunk) => /^\d+\. /.test(chunk));
/** The reason each step refuses with ("refuse `REASON`", perhaps across a line break), in the README's order. */
const refusalsOf = (step: string) => [...step.matchAll(/refuse\s+`([A-Z_]+)`/g)].map((m) => m[1]! as IdentityRefusal);
const readmeOrder = steps.flatMap(refusalsOf);
const stepOf = (reason: IdentityRefusal) => steps.findIndex((step) => refusalsOf(step).includes(reason));

/** The members of the `IdentityRefusal` union, as declared. */
const declaredRefusals = (() => {
  const source = readFileSync(kitFile('src/verify-identity.ts'), 'utf8');
  const union = /export type IdentityRefusal =([^;]*);/.exec(source)![1]!;
  return [...union.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
})();

/** The members of `IdentityClaims`, as declared. */
const declaredClaims = (() => {
  const source = readFileSync(kitFile('src/identity-assertion.ts'), 'utf8');
  const body = /export interface IdentityClaims \{([\s\S]*?)\n\}/.exec(source)![1]!;
  return [...body.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]!);
})();

const SECRET = 'teashop-subgraph-secret-0001';
const SUBGRAPH = 'teashop';
const NOW = 1_767_225_600;
const BODY = JSON.stringify({ query: '{ teaMenu }' });
const CLAIMS: IdentityClaims = { v: 1, sg: SUBGRAPH, iat: NOW, exp: NOW + IDENTITY_TTL_SECONDS, mid: 'teashop', app: 'wx6000000000000001', oid: 'oViewer' };

/** A request to verify, described by what may be wrong with it. */
interface Recipe {
  claims: Record<string, unknown>;
  signWith: string;
  method: string;
  /** Appended to the header value. */
  suffix: string;
  repeated: boolean;
  extraHeader: boolean;
}
const VALID: Recipe = { claims: { ...CLAIMS }, signWith: SECRET, method: 'POST', suffix: '', repeated: false, extraHeader: false };

/** For each reason, a change to a request that fails that check and only that one. */
const faults: Record<IdentityRefusal, (r: Recipe) => Recipe> = {
  EXTRA_IDENTITY_HEADER: (r) => ({ ...r, extraHeader: true }),
  DUPLICATE_IDENTITY_HEADER: (r) => ({ ...r, repeated: true }),
  NOT_POST: (r) => ({ ...r, method: 'GET' }),
  MALFORMED: (r) => ({ ...r, suffix: '=' }),
  BAD_SIGNATURE: (r) => ({ ...r, signWith: 'a-secret-this-subgraph-does-not-accept' }),
  BAD_CLAIMS: (r) => ({ ...r, claims: { ...r.claims, v: 2 } }),
  WRONG_SUBGRAPH: (r) => ({ ...r, claims: { ...r.claims, sg: 'coupons' } }),
  EXPIRED: (r) => ({ ...r, claims: { ...r.claims, exp: NOW - 3600 } }),
  NOT_YET_VALID: (r) => ({ ...r, claims: { ...r.claims, iat: NOW + 3600 } }),
};

function verify(recipe: Recipe, now = NOW) {
  const value = signEncodedIdentity(identityKey(recipe.signWith), encodeClaims(recipe.claims as unknown as IdentityClaims), BODY) + recipe.suffix;
  // The extra header comes last, so refusing it is not an accident of which header is read first.
  const headers = { [IDENTITY_HEADER]: recipe.repeated ? [value, value] : value, ...(recipe.extraHeader ? { 'x-identity-openid': 'oForged' } : {}) };
  return verifyIdentity({ method: recipe.method, headers, rawBody: BODY, secret: [SECRET], subgraph: SUBGRAPH, now });
}

describe("the kit README's contract section", () => {
  it('numbers its checks 1, 2, 3, ... with at most one refusal each', () => {
    expect(steps.map((step) => Number(/^\d+/.exec(step)![0]))).toEqual(steps.map((_, i) => i + 1));
    expect(steps.filter((step) => refusalsOf(step).length > 1)).toEqual([]);
  });

  it('names every reason the verifier refuses with, each the outcome of exactly one check', () => {
    const vectorReasons = new Set(vectors.cases.flatMap((c) => (c.expect.ok ? [] : [c.expect.reason])));
    expect([...declaredRefusals].sort()).toEqual([...vectorReasons].sort());
    expect(Object.keys(faults).sort()).toEqual([...declaredRefusals].sort());
    expect([...readmeOrder].sort()).toEqual([...declaredRefusals].sort());
    for (const reason of declaredRefusals) expect(contract).toContain(`\`${reason}\``);
  });

  it('lists the checks in the order the verifier makes them: a request failing several is refused with the one listed first', () => {
    expect(readmeOrder.map((reason) => verify(faults[reason](VALID)))).toEqual(readmeOrder.map((reason) => ({ ok: false, reason })));
    const wrong: string[] = [];
    // Every combination of two or more failures: the answer is the earliest of them in the README.
    for (let mask = 1; mask < 1 << readmeOrder.length; mask++) {
      const failing = readmeOrder.filter((_, i) => mask & (1 << i));
      if (failing.length < 2) continue;
      const result = verify(failing.reduce((recipe, reason) => faults[reason](recipe), VALID));
      const answered = result.ok ? 'accepted' : result.reason;
      if (answered !== failing[0]) wrong.push(`${failing.join(' + ')}: the verifier answers ${answered}, the README lists ${failing[0]} first`);
    }
    expect(wrong).toEqual([]);
  });

  it('puts "no header at all: anonymous" after the other-headers check and before every other refusal, as the verifier does', () => {
    const anonymous = steps.findIndex((step) => /anonymous/i.test(step) && refusalsOf(step).length === 0);
    expect(anonymous).toBeGreaterThan(stepOf('EXTRA_IDENTITY_HEADER'));
    for (const reason of readmeOrder.filter((r) => r !== 'EXTRA_IDENTITY_HEADER')) expect(anonymous).toBeLessThan(stepOf(reason));
    const bare = { rawBody: undefined, secret: SECRET, subgraph: SUBGRAPH, now: NOW };
    expect(verifyIdentity({ ...bare, method: 'GET', headers: {} })).toEqual({ ok: true, claims: undefined });
    expect(verifyIdentity({ ...bare, method: 'GET', headers: { 'x-identity-claims': 'e30' } })).toEqual({ ok: false, reason: 'EXTRA_IDENTITY_HEADER' });
  });

  it('matches header names case-insensitively, as it says', () => {
    expect(contract).toMatch(/case-insensitive/);
    expect(contract).toContain(`\`${IDENTITY_HEADER}\``);
    expect(stepOf('EXTRA_IDENTITY_HEADER')).toBeGreaterThanOrEqual(0);
    expect(steps[stepOf('EXTRA_IDENTITY_HEADER')]).toContain(`starts with \`${IDENTITY_HEADER_PREFIX}\``);
    const value = signEncodedIdentity(identityKey(SECRET), encodeClaims(CLAIMS), BODY);
    const request = { method: 'post', rawBody: BODY, secret: SECRET, subgraph: SUBGRAPH, now: NOW };
    expect(verifyIdentity({ ...request, headers: { 'X-IDENTITY': value } })).toEqual({ ok: true, claims: CLAIMS });
    expect(verifyIdentity({ ...request, headers: { [IDENTITY_HEADER]: value, 'X-Identity-OpenId': 'oForged' } })).toEqual({
      ok: false,
      reason: 'EXTRA_IDENTITY_HEADER',
    });
  });

  it('states the clock skew and the TTL the code has', () => {
    const ttl = [...contract.matchAll(/`IDENTITY_TTL_SECONDS` = (\d+)/g)].map((m) => Number(m[1]));
    expect(ttl.length).toBeGreaterThan(0);
    expect(ttl).toEqual(ttl.map(() => IDENTITY_TTL_SECONDS));

    const stated = [...contract.matchAll(/`CLOCK_SKEW_SECONDS` = (\d+)/g)].map((m) => Number(m[1]));
    expect(stated).toHaveLength(1);
    const skew = stated[0]!;
    // The skew the verifier applies, found from its answers: the first second refused past `exp`, and before `iat`.
    const firstRefused = (request: (k: number) => ReturnType<typeof verify>) => Array.from({ length: 120 }, (_, k) => k).find((k) => !request(k).ok)!;
    expect(firstRefused((k) => verify(VALID, CLAIMS.exp + k)) - 1).toBe(skew);
    expect(verify(VALID, CLAIMS.exp + skew + 1)).toEqual({ ok: false, reason: 'EXPIRED' });
    expect(firstRefused((k) => verify({ ...VALID, claims: { ...CLAIMS, iat: NOW + k, exp: NOW + k + IDENTITY_TTL_SECONDS } })) - 1).toBe(skew);
    expect(verify({ ...VALID, claims: { ...CLAIMS, iat: NOW + skew + 1 } })).toEqual({ ok: false, reason: 'NOT_YET_VALID' });

    expect(steps[stepOf('EXPIRED')]).toContain(`\`exp + ${skew}\``);
    expect(steps[stepOf('NOT_YET_VALID')]).toContain(`\`now + ${skew}\``);
    expect(vectors.format).toContain(`exp + ${skew}`);
  });

  it('says how the key and the MAC are made precisely enough to sign a request the kit accepts', () => {
    const macSection = section(contract, '### The MAC and the secret');
    expect(macSection).toContain('UTF-8 bytes of the secret string exactly as configured');
    expect(macSection).toContain('m = base64url( HMAC-SHA256( key, ASCII(c) || "." || body ) )');
    // Made as the README says, with node:crypto only: a non-ASCII secret, a non-ASCII body, and a secret that looks like base64.
    const sign = (key: Buffer, c: string, body: Buffer) =>
      createHmac('sha256', key)
        .update(Buffer.concat([Buffer.from(c, 'ascii'), Buffer.from('.'), body]))
        .digest()
        .toString('base64url');
    const c = Buffer.from(JSON.stringify(CLAIMS), 'utf8').toString('base64url');
    const body = Buffer.from(JSON.stringify({ query: '{ teaMenu }', variables: { tea: '铁观音' } }), 'utf8');
    const base64Secret = 'dGhpcyBsb29rcyBsaWtlIGJhc2U2NA==';
    for (const secret of ['clé-secrète-du-salon-de-thé', base64Secret]) {
      const request = { method: 'POST', rawBody: body, secret, subgraph: SUBGRAPH, now: NOW };
      expect(verifyIdentity({ ...request, headers: { [IDENTITY_HEADER]: `${c}.${sign(Buffer.from(secret, 'utf8'), c, body)}` } })).toEqual({
        ok: true,
        claims: CLAIMS,
      });
    }
    const decodedKey = Buffer.from(base64Secret, 'base64');
    expect(
      verifyIdentity({
        method: 'POST',
        rawBody: body,
        secret: base64Secret,
        subgraph: SUBGRAPH,
        now: NOW,
        headers: { [IDENTITY_HEADER]: `${c}.${sign(decodedKey, c, body)}` },
      }),
    ).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses a MAC of another length as BAD_SIGNATURE, and accepts the other spellings of the right one, as it says', () => {
    const [c, m] = signEncodedIdentity(identityKey(SECRET), encodeClaims(CLAIMS), BODY).split('.') as [string, string];
    const request = { method: 'POST', rawBody: BODY, secret: SECRET, subgraph: SUBGRAPH, now: NOW };
    expect(verifyIdentity({ ...request, headers: { [IDENTITY_HEADER]: `${c}.${m.slice(0, -2)}` } })).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    // 43 characters carry 258 bits for 256: the last character's 2 low bits are unused.
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
    const sibling = alphabet.find((ch) => ch !== m.at(-1) && Buffer.from(m.slice(0, -1) + ch, 'base64url').equals(Buffer.from(m, 'base64url')))!;
    expect(verifyIdentity({ ...request, headers: { [IDENTITY_HEADER]: `${c}.${m.slice(0, -1)}${sibling}` } })).toEqual({ ok: true, claims: CLAIMS });
    expect(contract).toContain('matches nothing (`BAD_SIGNATURE`, not `MALFORMED`)');
    expect(contract).toContain('the kit also accepts the other spellings of the right MAC');
  });

  it('accepts a MAC under any listed secret during a rotation, as it says', () => {
    const value = signEncodedIdentity(identityKey('teashop-subgraph-secret-0000'), encodeClaims(CLAIMS), BODY);
    const request = { method: 'POST', rawBody: BODY, subgraph: SUBGRAPH, now: NOW, headers: { [IDENTITY_HEADER]: value } };
    expect(contract).toContain('`[current, previous]`');
    expect(verifyIdentity({ ...request, secret: [SECRET, 'teashop-subgraph-secret-0000'] })).toEqual({ ok: true, claims: CLAIMS });
    expect(verifyIdentity({ ...request, secret: ['teashop-subgraph-secret-0000', SECRET] })).toEqual({ ok: true, claims: CLAIMS });
    expect(verifyIdentity({ ...request, secret: SECRET })).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('describes every claim the code declares', () => {
    const claims = section(contract, '### The claims');
    expect(declaredClaims.length).toBeGreaterThan(0);
    expect(declaredClaims.filter((claim) => !claims.includes(`\`${claim}\``))).toEqual([]);
  });

  it('documents every field of a test vector case, and its worked example is the committed vector', () => {
    const testing = section(contract, '### Testing an implementation with the vectors');
    const fields = new Set(vectors.cases.flatMap((c) => [...Object.keys(c), ...Object.keys(c.expect)]));
    expect([...fields].filter((field) => !testing.includes(`\`${field}\``) && !testing.includes(`"${field}"`))).toEqual([]);
    expect(testing).toContain(`${KIT}/test-vectors/identity-v1.json`);

    const example = vectors.cases.find((c) => c.name === 'valid identity')!;
    const header = example.headers[IDENTITY_HEADER] as string;
    const [c, m] = header.split('.') as [string, string];
    const body = Buffer.from(example.body!, 'base64');
    expect(testing).toContain(`the case \`${example.name}\``);
    for (const line of [
      `secret      ${example.secrets[0]}`,
      `subgraph    ${example.subgraph}`,
      `body        ${body.toString('utf8')}`,
      `x-identity  ${header}`,
      `claims      ${Buffer.from(c, 'base64url').toString('utf8')}`,
      `MAC (hex)   ${Buffer.from(m, 'base64url').toString('hex')}`,
    ]) {
      expect(testing).toContain(`\n${line}\n`);
    }
    expect(testing).toContain(`the ${Buffer.byteLength(example.secrets[0]!, 'utf8')} bytes of the secret`);
    expect(testing).toContain(`the ${body.length} bytes of the body`);
  });

  describe('on a refusal, says what the kit answers', () => {
    const warnings: Record<string, unknown>[] = [];
    let server: RunningHttpServer;
    beforeAll(async () => {
      server = await startMerchantService({
        merchantId: 'teashop',
        subgraphName: SUBGRAPH,
        typeDefs: loadTypeDefs(new URL('../fixtures/teashop/schema.graphql', import.meta.url)),
        resolvers: { Query: { teaMenu: () => ['oolong'] } },
        identitySecret: SECRET,
        extendContext: (base) => base,
        logger: { info: () => {}, warn: (fields, message) => warnings.push({ ...fields, message }), error: () => {} },
      });
    });
    afterAll(() => server.close());

    const post = async (headers: Headers) => {
      headers.set('content-type', 'application/json');
      const response = await fetch(server.url, { method: 'POST', headers, body: BODY });
      return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as unknown };
    };
    const signedNow = () => {
      const now = Math.floor(Date.now() / 1000);
      return signEncodedIdentity(identityKey(SECRET), encodeClaims({ ...CLAIMS, iat: now, exp: now + IDENTITY_TTL_SECONDS }), BODY);
    };

    it('401 with IDENTITY_SIGNATURE_INVALID and exactly the body the README shows; the reason only in the log', async () => {
      const answering = section(contract, '### Answering a refusal');
      expect(answering).toContain('**401**');
      expect(answering).toContain(`\`${IDENTITY_SIGNATURE_INVALID}\``);
      const shown = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(answering)![1]!) as unknown;

      expect((await post(new Headers({ [IDENTITY_HEADER]: signedNow() }))).status).toBe(200);
      warnings.length = 0;
      const refused = await post(new Headers({ [IDENTITY_HEADER]: signedNow(), 'x-identity-openid': 'oForged' }));
      expect(refused).toEqual({ status: 401, contentType: 'application/json', body: shown });
      const logged = 'refused an injected identity';
      expect(answering).toContain(`\`${logged}\``);
      expect(warnings).toEqual([expect.objectContaining({ reason: 'EXTRA_IDENTITY_HEADER', message: logged })]);
    });

    it('takes a zero-length body as no body (NOT_POST), where verifyIdentity given zero bytes goes on, as step 4 says', async () => {
      expect(steps[stepOf('NOT_POST')]).toContain('zero-length body as no');
      warnings.length = 0;
      const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: signedNow() }, body: '' });
      expect(response.status).toBe(401);
      expect(warnings).toEqual([expect.objectContaining({ reason: 'NOT_POST' })]);
      expect(verifyIdentity({ method: 'POST', headers: { [IDENTITY_HEADER]: 'x' }, rawBody: '', secret: SECRET, subgraph: SUBGRAPH })).toEqual({
        ok: false,
        reason: 'MALFORMED',
      });
    });

    it('a header sent twice reaches the kit joined into one value, refused as MALFORMED, as step 3 says', async () => {
      expect(steps[stepOf('DUPLICATE_IDENTITY_HEADER')]).toContain('(`MALFORMED`)');
      warnings.length = 0;
      const headers = new Headers();
      headers.append(IDENTITY_HEADER, signedNow());
      headers.append(IDENTITY_HEADER, signedNow());
      expect((await post(headers)).status).toBe(401);
      expect(warnings).toEqual([expect.objectContaining({ reason: 'MALFORMED' })]);
    });
  });
});

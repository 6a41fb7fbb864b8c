/**
 * The request edge as an attacker meets it: the hostile sequence of the review that made the gateway's
 * request path one pipeline. Every check must run on the document that will execute, however the
 * request names it, and nothing may be parsed or kept before the limits that bound it. Each answer is
 * checked, and a gateway process's resident memory across 150 large unparsable bodies.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimits } from '../../gateway/features/rate-limits.js';
import { loginCode } from '../support/fixtures.js';
import { APPS, LOGIN, PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const COUPONS = 'query Coupons { availableCoupons { id title } }';
const REFRESH = 'mutation Refresh($t: String!) { refreshSession(refreshToken: $t) { accessToken } }';
const manifest = new Map([LOGIN, COUPONS, REFRESH].map((text) => [sha256(text), text]));
const LIMITS: RateLimits = { loginPerAddress: 3, loginPerApp: 1000, refreshPerAddress: 3 };
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

let system: System;
/** A gateway of the system with small rate limits, telling clients apart by x-forwarded-for. */
let limited: string;
beforeAll(async () => {
  system = await startSystem({ persistedDocuments: { manifest, only: false } });
  limited = (await system.startGateway({ persistedDocuments: { manifest, only: false }, rateLimits: LIMITS, clientAddressHeader: 'x-forwarded-for' })).url;
});
afterAll(() => system.close());

interface Answer {
  status: number;
  headers: Headers;
  code: string;
  body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
}

async function send(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const parsed = (await response.json()) as Answer['body'];
  return { status: response.status, headers: response.headers, code: parsed.errors?.[0]?.extensions?.code ?? 'OK', body: parsed };
}
async function sendGet(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}?${new URLSearchParams(params)}`, { headers });
  const parsed = (await response.json()) as Answer['body'];
  return { status: response.status, headers: response.headers, code: parsed.errors?.[0]?.extensions?.code ?? 'OK', body: parsed };
}
const subgraphRequests = () => Object.values(system.received).reduce((sum, proxy) => sum + proxy.requests.length, 0);

describe('login and refresh limits count the document that runs, however it is named', () => {
  it('refuses the fourth login from an address sent as text, as documentId and as an APQ hash alike', async () => {
    const senders: [string, (variables: object) => object][] = [
      ['10.19.0.1', (variables) => ({ query: LOGIN, variables })],
      ['10.19.0.2', (variables) => ({ documentId: `sha256:${sha256(LOGIN)}`, variables })],
      ['10.19.0.3', (variables) => ({ extensions: apq(sha256(LOGIN)), variables })],
      ['10.19.0.4', (variables) => ({ query: LOGIN, extensions: apq(sha256(LOGIN)), variables })],
    ];
    for (const [address, body] of senders) {
      const codes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const code = await loginCode(system.simulator, APPS.platform, `edge-${address}-${i}`);
        const answer = await send(limited, body({ appId: APPS.platform, code }), { 'x-forwarded-for': address });
        codes.push(answer.code);
        if (answer.code === 'RATE_LIMITED') expect(answer.status).toBe(429);
      }
      expect(codes, address).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    }
  });

  it('refuses refreshSession by hash past its limit', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await send(limited, { documentId: `sha256:${sha256(REFRESH)}`, variables: { t: 'rt_unknown' } }, { 'x-forwarded-for': '10.19.1.1' });
      codes.push(answer.code);
    }
    expect(codes).toEqual(['REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_INVALID', 'RATE_LIMITED']);
  });

  it('runs nothing for a decoy text riding on the login hash: 400 PERSISTED_QUERY_HASH_MISMATCH, the identity service never asked', async () => {
    const before = system.received.identity.requests.length;
    for (let i = 0; i < 6; i++) {
      const code = await loginCode(system.simulator, APPS.platform, `decoy-${i}`);
      const decoy = { documentId: `sha256:${sha256(LOGIN)}`, query: '{ __typename }', variables: { appId: APPS.platform, code } };
      expect(await send(limited, decoy, { 'x-forwarded-for': '10.19.2.1' })).toMatchObject({ status: 400, code: 'PERSISTED_QUERY_HASH_MISMATCH' });
    }
    expect(system.received.identity.requests.length).toBe(before);
  });
});

describe('a hash never swaps the text that was sent', () => {
  it('answers text with another registered document\u2019s hash 400 PERSISTED_QUERY_HASH_MISMATCH, by APQ and documentId, POST and GET, running neither', async () => {
    // A document registered by APQ, besides the manifest's.
    const registered = 'query Registered { availableCoupons { id } }';
    expect((await send(system.gatewayUrl, { query: registered, extensions: apq(sha256(registered)) })).code).toBe('OK');
    const before = subgraphRequests();
    for (const hash of [sha256(COUPONS), sha256(registered)]) {
      for (const answer of [
        await send(system.gatewayUrl, { query: '{ __typename }', extensions: apq(hash) }),
        await send(system.gatewayUrl, { query: '{ __typename }', documentId: `sha256:${hash}` }),
        await sendGet(system.gatewayUrl, { query: '{ __typename }', extensions: JSON.stringify(apq(hash)) }),
        await sendGet(system.gatewayUrl, { query: '{ __typename }', documentId: `sha256:${hash}` }),
      ]) {
        expect(answer).toMatchObject({ status: 400, code: 'PERSISTED_QUERY_HASH_MISMATCH' });
        expect(answer.body.data).toBeUndefined();
      }
    }
    expect(subgraphRequests()).toBe(before);
  });
});

/** Resident memory of a process, from /proc (Linux). */
const residentBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe('hostile bodies are bounded before anything parses or keeps them', () => {
  it(
    'refuses 150 distinct ~800 KB unparsable bodies without the gateway process holding on to them',
    async () => {
      const gateway = await system.startGatewayProcess();
      // Unparsable two ways: a syntax error after many tokens (the token bound stops it) or after a long comment (no tokens: parsing stops it).
      const body = (i: number) =>
        i % 2 === 0 ? { query: `query Q${i} { ${'field '.repeat(133_000)}` } : { query: `query Q${i} { a # ${'x'.repeat(800_000)}\n` };
      const sendBatch = async (from: number, count: number) => {
        const answers = await Promise.all(Array.from({ length: count }, (_, k) => send(gateway.url, body(from + k))));
        for (const [k, answer] of answers.entries()) {
          expect(answer.status).toBe(400);
          expect(answer.code).toBe((from + k) % 2 === 0 ? 'QUERY_TOO_LARGE' : 'GRAPHQL_PARSE_FAILED');
        }
      };
      // Warm up (code compiled, the heap sized for such bodies), then measure 150 more.
      for (let i = 0; i < 20; i += 5) await sendBatch(i, 5);
      const before = residentBytes(gateway.pid);
      for (let i = 1000; i < 1150; i += 5) await sendBatch(i, 5);
      const grown = residentBytes(gateway.pid) - before;
      // 150 bodies are 120 MB of text; before the pipeline, the gateway kept them (500 to 900 MiB more resident).
      expect(grown, `grew ${Math.round(grown / 2 ** 20)} MiB`).toBeLessThan(64 * 2 ** 20);
      expect(await send(gateway.url, { query: COUPONS })).toMatchObject({ status: 200, code: 'OK' });
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it('refuses the 750 KB query of 150,000 tokens with QUERY_TOO_LARGE, reaching no subgraph', async () => {
    const hostile = `{ ${'abcd '.repeat(150_000)}}`;
    expect(hostile.length).toBeGreaterThanOrEqual(750_000);
    const before = subgraphRequests();
    for (const answer of await Promise.all(Array.from({ length: 10 }, () => send(system.gatewayUrl, { query: hostile })))) {
      expect(answer).toMatchObject({ status: 400, code: 'QUERY_TOO_LARGE' });
    }
    expect(subgraphRequests()).toBe(before);
  });
});

describe('answers computed for a viewer are never publicly cacheable', () => {
  it('says private to a viewer even when every subgraph says public; public answers vary on Accept and Authorization; a mutation is no-store', async () => {
    const viewer = await system.login(APPS.acme, 'edge-cache');
    for (const proxy of Object.values(system.received)) proxy.answerHeaders = { 'cache-control': 'public, max-age=60' };
    try {
      const query = '{ availableCoupons { id } }';
      const anonymous = await sendGet(system.gatewayUrl, { query });
      expect(anonymous.headers.get('cache-control')).toBe('max-age=60, public');
      expect(anonymous.headers.get('vary')?.split(/,\s*/).sort()).toEqual(['accept', 'authorization']);
      const authorization = `Bearer ${viewer.accessToken}`;
      for (const answer of [
        await sendGet(system.gatewayUrl, { query }, { authorization }),
        await sendGet(system.gatewayUrl, { query: '{ me { id } availableCoupons { id } }' }, { authorization }),
        await send(system.gatewayUrl, { query }, { authorization }),
      ]) {
        expect(answer.code).toBe('OK');
        expect(answer.headers.get('cache-control')).toBe('max-age=60, private');
      }
      const consent = await send(
        system.gatewayUrl,
        { query: 'mutation { grantConsent(purpose: MERCHANT_DISCLOSURE, merchantId: "acme") { grantedAt } }' },
        { authorization },
      );
      expect(consent.code).toBe('OK');
      expect(consent.headers.get('cache-control')).toBe('no-store');
      // Refusals written by the pipeline carry no cache headers.
      expect((await send(system.gatewayUrl, { query: '{ nope' })).headers.get('cache-control')).toBeNull();
    } finally {
      for (const proxy of Object.values(system.received)) proxy.answerHeaders = {};
    }
  });
});

describe('a request joins an identical one in flight only once it is admitted itself', () => {
  it('refuses a token logged out while an identical request carrying it is still running', async () => {
    const viewer = await system.login(APPS.acme, 'edge-merge');
    const coupons = system.received.coupons;
    const query = '{ me { id coupons { coupon { id } } } }';
    coupons.delayMs = 1500;
    try {
      const fetched = coupons.requests.length;
      const first = system.graphql<{ me: { id: string } }>(query, undefined, viewer.accessToken);
      while (coupons.requests.length === fetched) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(
        (await system.graphql('mutation($t: String!) { logout(refreshToken: $t) }', { t: viewer.refreshToken }, viewer.accessToken)).errors,
      ).toBeUndefined();
      const second = await system.graphql(query, undefined, viewer.accessToken);
      expect([second.status, second.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
      // The first was admitted before the logout, and finishes.
      expect((await first).data?.me.id).toBe(viewer.userId);
    } finally {
      coupons.delayMs = 0;
    }
  });
});

/**
 * Persisted documents at the gateway: the manifest by documentId and by Apollo's persistedQuery extension,
 * POST and GET; documents-only mode; Apollo's automatic persisted queries when free text is allowed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPersistedDocuments, PersistedDocumentsError } from '../../gateway/features/persisted-documents.js';
import { startSystem, type System } from '../support/system.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const COUPONS = 'query Coupons { availableCoupons { id title } }';
const CLAIM = 'mutation Claim($id: ID!) { claimCoupon(couponId: $id) { claimedAt } }';
const manifest = new Map([COUPONS, CLAIM].map((text) => [sha256(text), text]));
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

let system: System;
let onlyUrl: string;
let apqUrl: string;
beforeAll(async () => {
  system = await startSystem();
  onlyUrl = (await system.startGateway({ persistedDocuments: { manifest, only: true } })).url;
  apqUrl = (await system.startGateway({ persistedDocuments: { manifest, only: false, maxRegisteredChars: 200 } })).url;
});
afterAll(() => system.close());

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, ...((await response.json()) as object) };
}
async function get(url: string, params: Record<string, string>): Promise<Answer> {
  // apollo-require-preflight: Apollo's CSRF prevention lets a GET through only with a non-simple header.
  const response = await fetch(`${url}?${new URLSearchParams(params)}`, { headers: { 'apollo-require-preflight': 'true' } });
  return { status: response.status, ...((await response.json()) as object) };
}
const codeOf = (answer: Answer) => answer.errors?.[0]?.extensions?.code;

describe('documents from the manifest', () => {
  it('run by documentId and by persistedQuery hash, over POST and GET', async () => {
    const hash = sha256(COUPONS);
    for (const url of [onlyUrl, apqUrl]) {
      for (const answer of [
        await post(url, { documentId: `sha256:${hash}` }),
        await post(url, { extensions: apq(hash) }),
        await get(url, { documentId: `sha256:${hash}` }),
        await get(url, { extensions: JSON.stringify(apq(hash)) }),
      ]) {
        expect(answer.status).toBe(200);
        expect((answer.data?.availableCoupons as unknown[]).length).toBeGreaterThan(0);
      }
    }
  });

  it('runs a mutation by hash over POST, never over GET', async () => {
    const hash = sha256(CLAIM);
    const byPost = await post(onlyUrl, { documentId: `sha256:${hash}`, variables: { id: 'nope' } });
    expect(codeOf(byPost)).toBe('UNAUTHORIZED_FIELD_OR_TYPE'); // it ran: claimCoupon's @policy refuses an anonymous claim
    const byGet = await get(onlyUrl, { documentId: `sha256:${hash}`, variables: JSON.stringify({ id: 'nope' }) });
    expect(byGet.status).toBe(405);
  });

  it('refuses a malformed documentId or persistedQuery with 400', async () => {
    expect(await post(onlyUrl, { documentId: 'md5:abc' })).toMatchObject({ status: 400, errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expect(await post(onlyUrl, { extensions: { persistedQuery: { version: 2, sha256Hash: sha256(COUPONS) } } })).toMatchObject({ status: 400 });
    expect(await post(onlyUrl, { extensions: apq('XYZ') })).toMatchObject({ status: 400 });
  });
});

describe('PERSISTED_DOCUMENTS_ONLY', () => {
  it('refuses free text with 400 PERSISTED_QUERY_ID_REQUIRED and an unknown hash with 400 PERSISTED_QUERY_NOT_IN_LIST', async () => {
    const text = await post(onlyUrl, { query: COUPONS });
    expect([text.status, codeOf(text), text.data]).toEqual([400, 'PERSISTED_QUERY_ID_REQUIRED', undefined]);
    const unknown = 'query Other { availableCoupons { id } }';
    for (const body of [
      { documentId: `sha256:${sha256(unknown)}` },
      { extensions: apq(sha256(unknown)) },
      { query: unknown, extensions: apq(sha256(unknown)) },
    ]) {
      const answer = await post(onlyUrl, body);
      expect([answer.status, codeOf(answer)]).toEqual([400, 'PERSISTED_QUERY_NOT_IN_LIST']);
    }
    expect((await get(onlyUrl, { query: COUPONS })).status).toBe(400);
  });
});

describe('automatic persisted queries (free text allowed)', () => {
  it('answers an unknown hash PERSISTED_QUERY_NOT_FOUND, registers hash + text, then runs the hash alone', async () => {
    const text = 'query Registered { availableCoupons { id } }';
    const hash = sha256(text);
    const first = await post(apqUrl, { extensions: apq(hash) });
    expect([first.status, codeOf(first)]).toEqual([200, 'PERSISTED_QUERY_NOT_FOUND']);
    expect((await post(apqUrl, { query: text, extensions: apq(hash) })).data?.availableCoupons).toBeDefined();
    expect((await post(apqUrl, { extensions: apq(hash) })).data?.availableCoupons).toBeDefined();
    expect((await post(apqUrl, { query: COUPONS })).data?.availableCoupons).toBeDefined();
  });

  it('takes a hash only as the sha256 of exactly the text sent with it: another spelling of the document is a mismatch', async () => {
    const written = 'query Canonical {\n  availableCoupons {\n    title\n    id\n  }\n}';
    const canonical = printExecutableGraphQLDocument(parse(written));
    expect(sha256(canonical)).not.toBe(sha256(written));
    const answer = await post(apqUrl, { query: written, extensions: apq(sha256(canonical)) });
    expect([answer.status, codeOf(answer)]).toEqual([400, 'PERSISTED_QUERY_HASH_MISMATCH']);
    expect((await post(apqUrl, { query: canonical, extensions: apq(sha256(canonical)) })).data?.availableCoupons).toBeDefined();
  });

  it('refuses a hash that does not match its text with 400 PERSISTED_QUERY_HASH_MISMATCH, not logged as a failure', async () => {
    const answer = await post(apqUrl, { query: 'query Liar { availableCoupons { id } }', extensions: apq(sha256(COUPONS.replace('title', ''))) });
    expect([answer.status, codeOf(answer)]).toEqual([400, 'PERSISTED_QUERY_HASH_MISMATCH']);
    expect(system.logs()).not.toMatch(/"level":50.*PERSISTED_QUERY_HASH_MISMATCH|masked/);
  });

  it('keeps registrations bounded: the least recently used is forgotten first', async () => {
    // maxRegisteredChars is 200 on this gateway: four 60-character documents cannot all stay.
    const texts = [0, 1, 2, 3].map((i) => `query Bounded${i} { availableCoupons { id title discountCents } }`.padEnd(60, ' '));
    for (const text of texts) await post(apqUrl, { query: text, extensions: apq(sha256(text)) });
    expect(codeOf(await post(apqUrl, { extensions: apq(sha256(texts[0]!)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post(apqUrl, { extensions: apq(sha256(texts[3]!)) }))).toBeUndefined();
  });
});

describe('the manifest file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('loads the example mini-program\u2019s generated manifest', () => {
    const path = fileURLToPath(new URL('../../examples/mini-program/generated/persisted-documents.json', import.meta.url));
    expect(loadPersistedDocuments(path).size).toBeGreaterThanOrEqual(11);
  });

  it('is refused when it is not JSON, not an object, or a key is not its document\u2019s sha256', () => {
    expect(() => loadPersistedDocuments(file('bad.json', '{'))).toThrow(PersistedDocumentsError);
    expect(() => loadPersistedDocuments(file('array.json', '[]'))).toThrow(/must be a JSON object/);
    expect(() => loadPersistedDocuments(file('wrong.json', JSON.stringify({ [sha256('x')]: COUPONS })))).toThrow(/not a document whose sha256 is its key/);
  });

  it('stops gateway start-up with a message naming the file when invalid', () => {
    const bad = file('start.json', JSON.stringify({ abc: COUPONS }));
    const main = fileURLToPath(new URL('../../gateway/main.ts', import.meta.url));
    const supergraph = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { SUPERGRAPH: supergraph, PORT: '0', PERSISTED_DOCUMENTS: bad, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2); // a bad setting, as for any invalid environment
    expect(run.stderr).toContain(`gateway: persisted documents manifest ${bad}: entry "abc" is not a document whose sha256 is its key`);
  });
});

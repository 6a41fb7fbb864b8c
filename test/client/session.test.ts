/**
 * The client's session rules against the real system (fetch transport, memory storage, wx.login codes from
 * the WeChat simulator). Access tokens live 3 s here, so expiry is real, not faked.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createClient,
  fetchTransport,
  hasErrorCode,
  LoginError,
  memoryStorage,
  notLinkedMerchantIds,
  TransportError,
  type ClientOptions,
  type SessionStorage,
  type Transport,
} from 'identity-federation-client';
import { HomePageDocument, MeDocument } from '../../examples/mini-program/generated/graphql.js';
import { loadPersistedDocuments } from '../../gateway/features/persisted-documents.js';
import { loginCode } from '../support/fixtures.js';
import { APPS, startSystem, type System } from '../support/system.js';

const TTL_SECONDS = 3;
/** The example's manifest (it holds the client's own documents), as `npm start` and production load one. */
const MANIFEST = loadPersistedDocuments(fileURLToPath(new URL('../../examples/mini-program/generated/persisted-documents.json', import.meta.url)));
let system: System;
beforeAll(async () => {
  system = await startSystem({ accessTokenTtlSeconds: TTL_SECONDS, persistedDocuments: { manifest: MANIFEST, only: false } });
});
afterAll(() => system.close());
beforeEach(() => {
  system.received.identity.requests.length = 0;
});

/** Calls of a mutation the identity subgraph received (each client call of it reaches it once). */
const calls = (field: 'login' | 'refreshSession' | 'logout') =>
  system.received.identity.requests.filter((r) => new RegExp(`[{ ]${field}\\(`).test(r.body)).length;

interface Harness {
  client: ReturnType<typeof createClient>;
  storage: SessionStorage;
  /** How often wx.login() was asked for a code. */
  wxLogins(): number;
  /** Bodies the client sent. */
  sent: string[];
}

function harness(user: string, options: Partial<ClientOptions> = {}): Harness {
  let wxLogins = 0;
  const sent: string[] = [];
  const http = fetchTransport(fetch);
  const transport: Transport = (request) => {
    sent.push(request.body);
    return http(request);
  };
  const storage = memoryStorage();
  const client = createClient({
    endpoint: system.gatewayUrl,
    appId: APPS.platform,
    transport,
    storage,
    loginCode: async () => {
      wxLogins++;
      return loginCode(system.simulator, APPS.platform, user);
    },
    ...options,
  });
  return { client, storage, wxLogins: () => wxLogins, sent };
}

const STORAGE_KEY = `identity-federation:session:${APPS.platform}`;
const stored = (storage: SessionStorage) => JSON.parse(storage.get(STORAGE_KEY)!) as { accessToken: string; refreshToken: string; expiresAt: number };
const spoil = (storage: SessionStorage, change: Partial<{ accessToken: string; refreshToken: string }>) =>
  storage.set(STORAGE_KEY, JSON.stringify({ ...stored(storage), ...change }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('client session', () => {
  it('logs in on the first request (wx.login + login) and stores access token, refresh token and expiry', async () => {
    const { client, storage, wxLogins } = harness('cs-ann');
    const before = Date.now();
    const result = await client.request(MeDocument);
    expect(result.errors).toBeUndefined();
    expect(result.data?.me?.id).toBe(client.session()?.userId);
    expect([wxLogins(), calls('login')]).toEqual([1, 1]);
    const session = stored(storage);
    expect(session.accessToken).toMatch(/^ey/);
    expect(session.refreshToken).toMatch(/^rt_/);
    expect(session.expiresAt).toBeGreaterThanOrEqual(before + TTL_SECONDS * 1000);
    await client.request(MeDocument);
    expect(wxLogins()).toBe(1);
  });

  it('logs in again once when its session was ended elsewhere (401 SESSION_REVOKED), and answers', async () => {
    const { client, storage, wxLogins } = harness('cs-rex');
    const first = await client.request(MeDocument);
    const ended = stored(storage);
    // Another holder of the session ends it: the gateway refuses its access token from now on.
    const logout = await system.graphql('mutation($t: String!) { logout(refreshToken: $t) }', { t: ended.refreshToken });
    expect(logout.errors).toBeUndefined();
    const refused = await system.graphql('{ me { id } }', undefined, ended.accessToken);
    expect([refused.status, refused.errors?.[0]?.extensions]).toEqual([401, { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' }]);
    // Ten requests failing together share one new login.
    const results = await Promise.all(Array.from({ length: 10 }, () => client.request(MeDocument)));
    expect(results.map((r) => [r.errors, r.data?.me?.id])).toEqual(Array.from({ length: 10 }, () => [undefined, first.data?.me?.id]));
    expect(wxLogins()).toBe(2);
    expect(calls('refreshSession')).toBe(0);
    expect(stored(storage).refreshToken).not.toBe(ended.refreshToken);
    expect(client.session()?.userId).toBe(first.data?.me?.id);
  });

  it('never loops on SESSION_REVOKED: one new login, one retry, then the refusal is the answer', async () => {
    // A gateway that refuses every session it sees, the new one too.
    const http = fetchTransport(fetch);
    const revokedEverything: Transport = async (request) => {
      if (!request.headers.authorization) return http(request);
      return { status: 401, body: { errors: [{ message: 'ended', extensions: { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' } }] } };
    };
    const { client, wxLogins } = harness('cs-sam', { transport: revokedEverything });
    const result = await client.request(MeDocument);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    expect(wxLogins()).toBe(2);
  });

  it('refreshes once and retries once when the access token is rejected (TOKEN_INVALID)', async () => {
    const { client, storage } = harness('cs-ben');
    await client.request(MeDocument);
    spoil(storage, { accessToken: `${stored(storage).accessToken.slice(0, -6)}AAAAAA` });
    const fresh = harness('cs-ben', { storage }).client; // a new page: only the stored session
    const result = await fresh.request(MeDocument);
    expect(result.data?.me?.id).toBeDefined();
    expect(calls('refreshSession')).toBe(1);
  });

  it('renews ahead of expiry: a request late in the token\u2019s life refreshes first and is sent once, with the new token', async () => {
    const { client, storage, sent } = harness('cs-ada');
    await client.request(MeDocument);
    const first = stored(storage).accessToken;
    await sleep(TTL_SECONDS * 1000 * 0.85); // past the renewal point (a fifth of the lifetime before expiry), not yet expired
    sent.length = 0;
    const result = await client.request(MeDocument);
    expect(result.errors).toBeUndefined();
    expect(calls('refreshSession')).toBe(1);
    // The refresh, then the query once: nothing was refused and retried.
    const variables = sent.map((body) => Object.keys((JSON.parse(body) as { variables?: object }).variables ?? {}));
    expect(variables).toEqual([['refreshToken'], []]);
    expect(stored(storage).accessToken).not.toBe(first);
  });

  it('shares one refreshSession among 10 requests failing together on an expired token, and answers all 10', async () => {
    // A device clock that stands still never sees the token near expiry: only the gateway's TOKEN_EXPIRED tells.
    const stopped = Date.now();
    const { client, wxLogins } = harness('cs-cat', { now: () => stopped });
    await client.request(MeDocument);
    await sleep(TTL_SECONDS * 1000 + 1100); // the access token is now expired, for real
    const results = await Promise.all(Array.from({ length: 10 }, () => client.request(MeDocument)));
    expect(results.map((r) => [r.errors, typeof r.data?.me?.id])).toEqual(Array.from({ length: 10 }, () => [undefined, 'string']));
    expect(calls('refreshSession')).toBe(1);
    expect(wxLogins()).toBe(1);
  });

  it('clears the session and logs in again after REFRESH_TOKEN_REUSED', async () => {
    const { client, storage, wxLogins } = harness('cs-dan');
    await client.request(MeDocument);
    const { refreshToken, accessToken } = stored(storage);
    // The refresh token is used elsewhere first (a leak, or a copy on another device)...
    const elsewhere = await system.graphql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: refreshToken });
    expect(elsewhere.errors).toBeUndefined();
    // ...so when this client's token is refused, its refresh is a reuse: the family is revoked.
    spoil(storage, { accessToken: `${accessToken.slice(0, -6)}AAAAAA` });
    const result = await harness('cs-dan', { storage }).client.request(MeDocument);
    expect(result.data?.me?.id).toBeDefined();
    expect(stored(storage).refreshToken).not.toBe(refreshToken);
    expect(wxLogins()).toBe(1);
    expect(calls('login')).toBe(2);
  });

  it('clears the session and logs in again after REFRESH_TOKEN_INVALID', async () => {
    const { client, storage } = harness('cs-eve');
    await client.request(MeDocument);
    spoil(storage, { accessToken: 'not.a.token', refreshToken: `rt_${'A'.repeat(43)}` });
    const again = harness('cs-eve', { storage });
    const result = await again.client.request(MeDocument);
    expect(result.data?.me?.id).toBeDefined();
    expect([calls('refreshSession'), again.wxLogins()]).toEqual([1, 1]);
  });

  it('logout() calls logout and clears storage; the old refresh token is dead', async () => {
    const { client, storage } = harness('cs-fay');
    await client.request(MeDocument);
    const { refreshToken } = stored(storage);
    await client.logout();
    expect(calls('logout')).toBe(1);
    expect(storage.get(STORAGE_KEY)).toBeUndefined();
    expect(client.session()).toBeUndefined();
    const refresh = await system.graphql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: refreshToken });
    expect(refresh.errors?.[0]?.extensions?.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('surfaces a WeChat login error with its code and never loops', async () => {
    let attempts = 0;
    const rejected = harness('cs-gus', { loginCode: async () => (attempts++, 'not-a-real-code') });
    const error = await rejected.client.request(MeDocument).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).code).toBe('WECHAT_CODE_INVALID');
    expect([attempts, calls('login')]).toEqual([1, 1]);

    const wxFailed = harness('cs-gus', {
      loginCode: () => Promise.reject(new LoginError('WX_LOGIN_FAILED', 'login:fail network')),
    });
    await expect(wxFailed.client.request(MeDocument)).rejects.toMatchObject({ code: 'WX_LOGIN_FAILED' });
    expect(calls('login')).toBe(1);
  });

  it('returns partial data with the errors: a NOT_LINKED merchant does not hide the rest of the page', async () => {
    const { client } = harness('cs-hal');
    const result = await client.request(HomePageDocument, { productCount: 2 });
    expect(result.data?.me?.id).toBeDefined();
    expect(result.data?.availableCoupons.length).toBeGreaterThan(0);
    expect(result.data?.products.edges).toHaveLength(2);
    expect(result.data?.me?.coupons).toBeNull();
    expect(hasErrorCode(result, 'MERCHANT_IDENTITY_NOT_LINKED')).toBe(true);
    expect(notLinkedMerchantIds(result).sort()).toEqual(['acme', 'bobs']);
    // @ts-expect-error: only registered codes type-check
    hasErrorCode(result, 'NOT_A_CODE');
  });

  it('sends the hash first; to a gateway without the manifest, the text alone from then on (never text with a hash it is not the sha256 of)', async () => {
    const fresh = await system.startGateway({}); // no manifest
    const { client, sent } = harness('cs-ivy', { endpoint: fresh.url });
    expect((await client.request(MeDocument)).errors).toBeUndefined();
    const kinds = () =>
      sent
        .map((body) => JSON.parse(body) as { query?: string; extensions?: { persistedQuery?: unknown } })
        .map((body) => {
          expect(body.query !== undefined && body.extensions?.persistedQuery !== undefined).toBe(false);
          return body.query?.match(/(?:query|mutation) (\w+)/)?.[1] ?? 'hash only';
        });
    // Each document (Login, then Me) by hash, answered PERSISTED_QUERY_NOT_FOUND, then as text...
    expect(kinds()).toEqual(['hash only', 'Login', 'hash only', 'Me']);
    sent.length = 0;
    await client.request(MeDocument);
    // ...and afterwards as text at once: one round trip.
    expect(kinds()).toEqual(['Me']);
  });

  it('sends documents by hash alone to a gateway with the manifest, also one that runs nothing else', async () => {
    const only = await system.startGateway({ persistedDocuments: { manifest: MANIFEST, only: true } });
    const { client, sent } = harness('cs-joy', { endpoint: only.url });
    expect((await client.request(MeDocument)).errors).toBeUndefined();
    expect(sent.map((body) => 'query' in (JSON.parse(body) as object))).toEqual([false, false]);
  });

  it('throws a TransportError when the gateway cannot be reached', async () => {
    const { client } = harness('cs-jay', { endpoint: 'http://127.0.0.1:9/graphql' });
    const error = await client.request(MeDocument).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).kind).toBe('network');
  });
});

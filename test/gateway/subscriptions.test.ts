/**
 * Live rooms through the whole system: subscriptions over the gateway's socket, with ACME's coupons
 * subgraph streaming stock. Each rule of the socket, as a client or an attacker would meet it: the
 * identity each upstream subscription carries (verified as the subgraph verifies it), no sharing across
 * viewers, consent withdrawn mid-stream, sessions ended (close codes), persisted documents and query
 * limits on subscribe payloads, the socket bounds, and upstream drops.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySocketIdentity, type IdentityClaims } from '@identity-federation-gateway/subgraph-kit';
import { identityOf } from '../support/fixtures.js';
import { bearer, openGraphQLSocket, type GraphQLSocket, type ResultPayload } from '../support/graphql-socket.js';
import { APPS, CACHE_POLL_MS, PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

const STOCK = 'subscription Stock($id: ID!) { couponStock(couponId: $id) { id remaining claimedByMe } }';
const CLAIM = 'mutation Claim($id: ID!) { claimCoupon(couponId: $id) { claimedAt } }';
const LOGOUT = 'mutation($t: String!) { logout(refreshToken: $t) }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Stock = { couponStock: { id: string; remaining: number; claimedByMe: boolean | null } };
const stockOf = (result: ResultPayload) => (result.data as Stock | null | undefined)?.couponStock;

let system: System;
const sockets: GraphQLSocket[] = [];

async function open(url: string, token?: string, options: Parameters<typeof openGraphQLSocket>[1] = {}) {
  const socket = await openGraphQLSocket(url, { init: token ? bearer(token) : {}, ...options });
  sockets.push(socket);
  return socket;
}

/** Subscribes to `couponId`'s stock and waits for the first event (the coupon as it is). */
async function watch(socket: GraphQLSocket, id: string, couponId: string) {
  socket.subscribe(id, { query: STOCK, variables: { id: couponId } });
  await socket.until(() => socket.results(id).length > 0 || socket.error(id) !== undefined, `the first event of ${id}`);
  return socket;
}

async function claim(token: string, couponId: string, url = system.gatewayUrl) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CLAIM, variables: { id: couponId } }),
  });
  const body = (await response.json()) as ResultPayload;
  if (body.errors) throw new Error(`claim failed: ${JSON.stringify(body.errors)}`);
}

/** The identities the gateway sent the coupons subgraph on each upstream socket opened since `from`, verified as the kit verifies them. */
function upstreamIdentities(from = 0): IdentityClaims[] {
  return system.received.coupons.sockets.slice(from).flatMap((socket) => {
    const [init, frame] = socket.messages;
    if (!init || !frame) return [];
    const payload = (JSON.parse(init) as { payload: Record<string, unknown> }).payload;
    const verified = verifySocketIdentity({ connectionInitPayload: payload, frame, secret: system.secrets.COUPONS_SUBGRAPH_SECRET!, subgraph: 'coupons' });
    if (!verified.ok) throw new Error(`an upstream identity does not verify: ${verified.reason}`);
    return [verified.claims!];
  });
}

beforeAll(async () => {
  system = await startSystem({
    coupons: [
      { _id: 'live', title: 'Live room', discountCents: 500, stock: 1000 },
      { _id: 'shared', title: 'Shared', discountCents: 500, stock: 1000 },
      { _id: 'consent', title: 'Consent', discountCents: 500, stock: 1000 },
      { _id: 'restart', title: 'Restart', discountCents: 500, stock: 1000 },
    ],
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await system.close();
});

describe('live rooms over the gateway socket', () => {
  it('sends the coupon as it is, then each change, to anonymous and logged-in subscribers, each with their own claimedByMe', async () => {
    const claimer = await system.login(APPS.acme, 'live-claimer');
    const watcher = await system.login(APPS.acme, 'live-watcher');
    const [anonymous, own, other] = await Promise.all([
      open(system.gatewayUrl),
      open(system.gatewayUrl, claimer.accessToken),
      open(system.gatewayUrl, watcher.accessToken),
    ]);
    await Promise.all([watch(anonymous, 'a', 'live'), watch(own, 'c', 'live'), watch(other, 'w', 'live')]);
    expect(stockOf(anonymous.results('a')[0]!)).toEqual({ id: 'live', remaining: 1000, claimedByMe: null });
    expect(stockOf(own.results('c')[0]!)).toEqual({ id: 'live', remaining: 1000, claimedByMe: false });

    await claim(claimer.accessToken, 'live');
    await Promise.all([anonymous, own, other].map((socket, i) => socket.until(() => socket.results(['a', 'c', 'w'][i]!).length === 2, 'the claim event')));
    expect(stockOf(anonymous.results('a')[1]!)).toEqual({ id: 'live', remaining: 999, claimedByMe: null });
    expect(stockOf(own.results('c')[1]!)).toEqual({ id: 'live', remaining: 999, claimedByMe: true });
    expect(stockOf(other.results('w')[1]!)).toEqual({ id: 'live', remaining: 999, claimedByMe: false });
    expect(anonymous.results('a')[1]!.errors).toBeUndefined();
  });

  it('opens one upstream subscription for identical anonymous subscribers and one per viewer, each signed as its subscriber', async () => {
    const from = system.received.coupons.sockets.length;
    const anonymous = await Promise.all(Array.from({ length: 4 }, () => open(system.gatewayUrl)));
    await Promise.all(anonymous.map((socket) => watch(socket, 'x', 'shared')));
    const alice = await system.login(APPS.acme, 'shared-alice');
    const bob = await system.login(APPS.acme, 'shared-bob');
    const viewers = await Promise.all([open(system.gatewayUrl, alice.accessToken), open(system.gatewayUrl, bob.accessToken)]);
    await Promise.all(viewers.map((socket) => watch(socket, 'x', 'shared')));

    const identities = upstreamIdentities(from);
    // One shared anonymous upstream, and one for each viewer: never one viewer's for another.
    expect(identities).toHaveLength(3);
    const anonymousClaims = identities.filter((claims) => claims.psu === undefined);
    expect(anonymousClaims).toHaveLength(1);
    expect(anonymousClaims[0]).not.toHaveProperty('oid');
    const [aliceAcme, bobAcme] = await Promise.all([
      identityOf(system.simulator, APPS.acme, 'shared-alice'),
      identityOf(system.simulator, APPS.acme, 'shared-bob'),
    ]);
    expect(identities.map((claims) => claims.oid).sort()).toEqual([undefined, aliceAcme.openId, bobAcme.openId].sort());
    for (const claims of identities) {
      // ACME's subgraph learns ACME's OpenID and nothing else: no platform user id, no other app's OpenID.
      expect(claims).toMatchObject({ sg: 'coupons', mid: 'acme' });
      expect(claims).not.toHaveProperty('uid');
      expect(JSON.stringify(claims)).not.toContain(alice.userId);
    }
    // Each viewer's upstream answers for that viewer: Alice's claim shows on hers only.
    await claim(alice.accessToken, 'shared');
    await Promise.all(viewers.map((socket) => socket.until(() => socket.results('x').length === 2, 'the claim event')));
    expect(viewers.map((socket) => stockOf(socket.results('x')[1]!)?.claimedByMe)).toEqual([true, false]);
  });

  it('stops sending what a viewer withdrew consent for at once, and reopens the upstream with the new identity', async () => {
    const person = 'consent-carol';
    const platformSession = await system.login(APPS.platform, person);
    const acmeSession = await system.login(APPS.acme, person);
    await system.grantDisclosure(platformSession.accessToken, 'acme');
    await claim(acmeSession.accessToken, 'consent');
    const socket = await watch(await open(system.gatewayUrl, platformSession.accessToken), 's', 'consent');
    expect(stockOf(socket.results('s')[0]!)?.claimedByMe).toBe(true);
    const from = system.received.coupons.sockets.length;

    const withdrawn = await system.graphql(
      'mutation { withdrawConsent(purpose: MERCHANT_DISCLOSURE, merchantId: "acme") { grantedAt } }',
      undefined,
      platformSession.accessToken,
    );
    expect(withdrawn.errors).toBeUndefined();
    const seenAtWithdrawal = socket.results('s').length;
    const someone = await system.login(APPS.acme, 'consent-dave');
    await claim(someone.accessToken, 'consent');
    await socket.until(
      () =>
        socket
          .results('s')
          .slice(seenAtWithdrawal)
          .some((result) => stockOf(result)?.remaining === 998),
      'the next event',
    );
    // Nothing after the withdrawal carries what ACME may no longer be told about Carol.
    for (const result of socket.results('s').slice(seenAtWithdrawal)) {
      expect(stockOf(result)?.claimedByMe).toBeNull();
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['CONSENT_REQUIRED']);
    }
    // The upstream was reopened, signed without the OpenID: consent required.
    const reopened = upstreamIdentities(from);
    expect(reopened.length).toBeGreaterThanOrEqual(1);
    expect(reopened.at(-1)).toMatchObject({ mid: 'acme', cr: true });
    expect(reopened.at(-1)).not.toHaveProperty('oid');
  });

  it(
    'closes a logged-out session’s socket with 4403 SESSION_REVOKED at once, and its socket on another gateway within a feed poll',
    async () => {
      const other = await system.startGateway({});
      const dora = await system.login(APPS.platform, 'logout-dora');
      const [here, there] = await Promise.all([open(system.gatewayUrl, dora.accessToken), open(other.url, dora.accessToken)]);
      await Promise.all([watch(here, 's', 'live'), watch(there, 's', 'live')]);
      const logout = await system.graphql<{ logout: boolean }>(LOGOUT, { t: dora.refreshToken }, dora.accessToken);
      expect(logout.data?.logout).toBe(true);
      // At once on the gateway that proxied the logout: closed before the client could send anything more.
      expect(await Promise.race([here.closed, new Promise((resolve) => setTimeout(() => resolve('still open'), 500))])).toEqual({
        code: 4403,
        reason: 'SESSION_REVOKED',
      });
      const started = Date.now();
      expect(await there.closed).toEqual({ code: 4403, reason: 'SESSION_REVOKED' });
      expect(Date.now() - started).toBeLessThan(CACHE_POLL_MS + 5000);
      // A new socket with the dead token is refused the same way.
      await expect(open(system.gatewayUrl, dora.accessToken)).rejects.toThrow(/4403 SESSION_REVOKED/);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it('closes 4401 TOKEN_INVALID for a token that is not one, before any subscription', async () => {
    await expect(open(system.gatewayUrl, 'not.a.token')).rejects.toThrow(/4401 TOKEN_INVALID/);
    await expect(open(system.gatewayUrl, undefined, { init: { authorization: 'Basic abc' } })).rejects.toThrow(/4401 TOKEN_INVALID/);
    // A subscribe before connection_init (or its ack) is not served.
    const early = await open(system.gatewayUrl, undefined, { init: null });
    early.subscribe('early', { query: STOCK, variables: { id: 'live' } });
    expect((await early.closed).code).toBe(4401);
  });

  it('runs subscribes by documentId and by APQ hash, as over HTTP', async () => {
    const socket = await open(system.gatewayUrl);
    const hash = sha256(STOCK);
    // An unknown hash: the client is told to send the text, as Apollo's APQ answers it over HTTP.
    socket.subscribe('h1', { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: { id: 'live' } });
    await socket.until(() => socket.error('h1') !== undefined, 'PERSISTED_QUERY_NOT_FOUND');
    expect(socket.error('h1')![0]!.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    socket.subscribe('h2', { query: STOCK, extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: { id: 'live' } });
    await socket.until(() => socket.results('h2').length > 0, 'the registering subscribe');
    socket.subscribe('h3', { documentId: `sha256:${hash}`, variables: { id: 'live' } });
    socket.subscribe('h4', { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: { id: 'live' } });
    await socket.until(() => socket.results('h3').length > 0 && socket.results('h4').length > 0, 'subscriptions by hash');
    expect(stockOf(socket.results('h3')[0]!)?.id).toBe('live');
    // A hash that is not the text's: refused, nothing runs.
    socket.subscribe('h5', {
      query: STOCK.replace('remaining', 'title'),
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      variables: { id: 'live' },
    });
    await socket.until(() => socket.error('h5') !== undefined, 'the mismatch');
    expect(socket.error('h5')![0]!.extensions?.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
  });

  it('refuses free text where only persisted documents run, and runs the manifest’s subscription by hash', async () => {
    const strict = await system.startGateway({ persistedDocuments: { manifest: new Map([[sha256(STOCK), STOCK]]), only: true } });
    const socket = await open(strict.url);
    socket.subscribe('text', { query: STOCK, variables: { id: 'live' } });
    socket.subscribe('hash', { documentId: `sha256:${sha256(STOCK)}`, variables: { id: 'live' } });
    await socket.until(() => socket.error('text') !== undefined && socket.results('hash').length > 0, 'both answers');
    expect(socket.error('text')![0]!.extensions?.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
  });

  it('applies the query limits to what a subscribe resolves to, sent as text or by hash', async () => {
    const aliased = `subscription Many($id: ID!) { couponStock(couponId: $id) { ${Array.from({ length: 40 }, (_, i) => `a${i}: remaining`).join(' ')} } }`;
    const strict = await system.startGateway({ persistedDocuments: { manifest: new Map([[sha256(aliased), aliased]]), only: false } });
    const socket = await open(strict.url);
    socket.subscribe('text', { query: aliased, variables: { id: 'live' } });
    socket.subscribe('hash', { documentId: `sha256:${sha256(aliased)}`, variables: { id: 'live' } });
    await socket.until(() => socket.error('text') !== undefined && socket.error('hash') !== undefined, 'both refusals');
    expect(socket.error('text')![0]!.extensions?.code).toBe('QUERY_TOO_MANY_ALIASES');
    expect(socket.error('hash')![0]!.extensions?.code).toBe('QUERY_TOO_MANY_ALIASES');
    // A subscription that does not validate is refused with GraphQL's code, on the socket.
    socket.subscribe('invalid', { query: 'subscription { couponStock(couponId: "live") { nope } }' });
    await socket.until(() => socket.error('invalid') !== undefined, 'the validation refusal');
    expect(socket.error('invalid')![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('keeps subscriptions through a coupons restart and a cut upstream socket: a gap, then events again', async () => {
    const session = await system.login(APPS.acme, 'restart-erin');
    const socket = await watch(await open(system.gatewayUrl), 's', 'restart');
    await system.stopMerchant('coupons');
    await system.restartMerchant('coupons');
    await claim(session.accessToken, 'restart');
    await socket.until(() => socket.results('s').some((result) => stockOf(result)?.remaining === 999), 'an event after the restart', 20_000);
    // A cut socket (as a network fault would) is reopened too.
    for (const upstream of system.received.coupons.sockets) upstream.cut();
    const other = await system.login(APPS.acme, 'restart-frank');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await claim(other.accessToken, 'restart');
    await socket.until(() => socket.results('s').some((result) => stockOf(result)?.remaining === 998), 'an event after the cut', 20_000);
    expect(socket.error('s')).toBeUndefined();
    const metrics = await (await fetch(new URL('/metrics', system.gatewayUrl))).text();
    expect(metrics).toMatch(/gateway_subscription_upstream_reconnects_total [1-9]/);
  });
});

describe('socket bounds', () => {
  it('refuses sockets past the per-address bound with HTTP 429, and subscriptions past the per-socket bound', async () => {
    const bounded = await system.startGateway({ socketLimits: { socketsPerAddress: 2, subscriptionsPerSocket: 2 } });
    const [first] = await Promise.all([open(bounded.url), open(bounded.url)]);
    await expect(open(bounded.url)).rejects.toThrow(/HTTP 429/);
    first!.subscribe('1', { query: STOCK, variables: { id: 'live' } });
    first!.subscribe('2', { query: STOCK, variables: { id: 'live' } });
    first!.subscribe('3', { query: STOCK, variables: { id: 'live' } });
    await first!.until(() => first!.error('3') !== undefined, 'the refusal of the third');
    expect(first!.error('3')![0]!.extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    // The bound is on what is held: completing one makes room.
    first!.complete('1');
    first!.subscribe('4', { query: STOCK, variables: { id: 'live' } });
    await first!.until(() => first!.results('4').length > 0, 'the fourth');
    // Closing a socket frees its place for the address.
    first!.close();
    await first!.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(open(bounded.url)).resolves.toBeDefined();
  });

  it('refuses subscribe messages past the per-minute bound with RATE_LIMITED, however they come and go', async () => {
    const bounded = await system.startGateway({ socketLimits: { subscribesPerMinute: 3 } });
    const socket = await open(bounded.url);
    for (const id of ['1', '2', '3']) {
      socket.subscribe(id, { query: STOCK, variables: { id: 'live' } });
      socket.complete(id);
    }
    socket.subscribe('4', { query: STOCK, variables: { id: 'live' } });
    await socket.until(() => socket.error('4') !== undefined, 'the refusal of the fourth');
    expect(socket.error('4')![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) as number });
  });

  it('closes 1009 for a message over the size bound, 4408 without connection_init in time, 4409 for a reused id', async () => {
    const bounded = await system.startGateway({ socketLimits: { maxMessageBytes: 1024, initTimeoutMs: 300 } });
    const big = await open(bounded.url);
    big.subscribe('big', { query: `subscription { couponStock(couponId: "${'x'.repeat(2000)}") { id } }` });
    expect((await big.closed).code).toBe(1009);
    const silent = await open(bounded.url, undefined, { init: null });
    expect(await silent.closed).toMatchObject({ code: 4408 });
    const twice = await open(bounded.url);
    twice.subscribe('same', { query: STOCK, variables: { id: 'live' } });
    twice.subscribe('same', { query: STOCK, variables: { id: 'live' } });
    expect((await twice.closed).code).toBe(4409);
    const garbage = await open(bounded.url);
    garbage.ws.send('not json');
    expect((await garbage.closed).code).toBe(4400);
  });

  it('drops a socket that does not answer pings, and counts sockets in /metrics', async () => {
    const bounded = await system.startGateway({ socketLimits: { keepAliveMs: 200 } });
    const mute = await open(bounded.url, undefined, { autoPong: false });
    const alive = await open(bounded.url);
    expect(await bounded.metrics()).toMatch(/gateway_sockets_open 2/);
    const closed = await mute.closed;
    expect(closed.code).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    // The protocol's own ping is answered with a pong.
    alive.send({ type: 'ping' });
    await alive.until(() => alive.messages.some((message) => message.type === 'pong'), 'the pong');
  });
});

describe('a subscription over HTTP', () => {
  it('is refused with 400 BAD_REQUEST saying where subscriptions run', async () => {
    const result = await system.graphql(STOCK, { id: 'live' });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('sends the subscriber none of what the subgraph was told (no OpenID, no identity)', async () => {
    const session = await system.login(APPS.acme, 'peek-gina');
    const socket = await watch(await open(system.gatewayUrl, session.accessToken), 's', 'live');
    const everything = JSON.stringify(socket.messages);
    const acme = await identityOf(system.simulator, APPS.acme, 'peek-gina');
    expect(everything).not.toContain(acme.openId);
    expect(everything).not.toContain('x-identity');
  });
});

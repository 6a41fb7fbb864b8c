/**
 * The authorization directives merchant teams declare in their subgraphs, enforced by the gateway before
 * planning (Apollo Router's semantics, this platform's scopes and policies): removed fields answer null
 * with their error and partial data, the owning subgraph is never asked for them, and two viewers with
 * different rights never share a plan or a merged answer. The demo's ACME and Bob's subgraphs use
 * `@policy`; a fixture merchant (test/fixtures/lounge) uses every directive.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../../platform/config/platform-config.js';
import { bearer, openGraphQLSocket } from '../support/graphql-socket.js';
import { APPS, startSystem, type GraphQLResult, type System } from '../support/system.js';

const fixture = (file: string) => fileURLToPath(new URL(`../fixtures/lounge/${file}`, import.meta.url));
const LOUNGE_APP = 'wx7000000000000001';

let system: System;
beforeAll(async () => {
  system = await startSystem({ config: loadPlatformConfig(fixture('platform.json')), supergraphConfig: fixture('supergraph.yaml') });
});
afterAll(() => system.close());

const codes = (result: GraphQLResult) => result.errors?.map((error) => error.extensions?.code);
/** Runs `work` and returns how many requests the lounge subgraph received meanwhile. */
async function loungeRequests<T>(work: () => Promise<T>): Promise<[T, number]> {
  const before = system.received.lounge!.requests.length;
  const result = await work();
  return [result, system.received.lounge!.requests.length - before];
}

describe('@authenticated', () => {
  it('answers an anonymous request for a restricted field null with UNAUTHORIZED_FIELD_OR_TYPE, the rest resolved, the owner never asked', async () => {
    const [result, asked] = await loungeRequests(() => system.graphql('{ memberNotice availableCoupons { id } }'));
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ memberNotice: null, availableCoupons: expect.any(Array) as unknown[] });
    expect(result.errors).toEqual([
      { message: 'You are not authorized to see this field.', path: ['memberNotice'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } },
    ]);
    expect(asked).toBe(0);
  });

  it('lets any logged-in viewer see it', async () => {
    const viewer = await system.login(APPS.platform, 'auth-anna');
    const result = await system.graphql('{ memberNotice }', undefined, viewer.accessToken);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ memberNotice: 'members: the lounge moves upstairs' });
  });

  it('propagates the null of a non-null restricted field to its nullable parent, and restricts fields of a restricted type', async () => {
    const result = await system.graphql('{ lounge { name doorCode perks { name } } perks { id } loungeNews }');
    // doorCode is String!: its Lounge becomes null. Perk is @authenticated: both perks fields are removed.
    expect(result.data).toEqual({ lounge: null, perks: null, loungeNews: ['open late on Fridays'] });
    expect(codes(result)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE', 'UNAUTHORIZED_FIELD_OR_TYPE', 'UNAUTHORIZED_FIELD_OR_TYPE']);
    expect(result.errors?.map((error) => error.path)).toEqual([['lounge', 'doorCode'], ['lounge', 'perks'], ['perks']]);
  });

  it('never reaches any subgraph when every root field is removed, by text, by hash and on a socket', async () => {
    const query = '{ memberNotice perks { id } }';
    const [byText, asked] = await loungeRequests(() => system.graphql(query));
    expect(byText.data).toEqual({ memberNotice: null, perks: null });
    expect(asked).toBe(0);
    // By hash: registered (APQ) with its text, then sent as the hash alone.
    const hash = createHash('sha256').update(query).digest('hex');
    const byHash = async (body: Record<string, unknown>) =>
      (
        await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      ).json() as Promise<GraphQLResult>;
    const persistedQuery = { version: 1, sha256Hash: hash };
    const [[registered, hashed], askedByHash] = await loungeRequests(() =>
      Promise.all([byHash({ query, extensions: { persistedQuery } })]).then(
        async ([first]) => [first, await byHash({ extensions: { persistedQuery } })] as const,
      ),
    );
    expect(registered.data).toEqual({ memberNotice: null, perks: null });
    expect(hashed.data).toEqual({ memberNotice: null, perks: null });
    expect(askedByHash).toBe(0);
    const socket = await openGraphQLSocket(system.gatewayUrl);
    socket.subscribe('q', { query });
    await socket.until(() => socket.completed('q'), 'the answer');
    expect(socket.results('q')[0]).toMatchObject({ data: { memberNotice: null, perks: null } });
    socket.close();
  });
});

describe('@requiresScopes', () => {
  it('keeps a field to the merchant’s own mini-program (app:merchant:<id>)', async () => {
    const own = await system.login(LOUNGE_APP, 'scope-ben');
    const platform = await system.login(APPS.platform, 'scope-ben');
    expect((await system.graphql('{ ownAppOffer }', undefined, own.accessToken)).data).toEqual({ ownAppOffer: 'ten percent off in our own app' });
    const elsewhere = await system.graphql('{ ownAppOffer }', undefined, platform.accessToken);
    expect(elsewhere.data).toEqual({ ownAppOffer: null });
    expect(codes(elsewhere)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('reads [[a], [b]] as a or b', async () => {
    const acme = await system.login(APPS.acme, 'scope-cora');
    const platform = await system.login(APPS.platform, 'scope-cora');
    expect(codes(await system.graphql('{ platformBanner }', undefined, platform.accessToken))).toBeUndefined();
    expect(codes(await system.graphql('{ platformBanner }', undefined, acme.accessToken))).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });
});

describe('@policy', () => {
  it('answers MERCHANT_IDENTITY_NOT_LINKED for User.coupons to a viewer without an ACME identity, without asking ACME', async () => {
    const viewer = await system.login(APPS.bobs, 'policy-dora');
    const before = system.received.coupons.requests.length;
    const result = await system.graphql('{ me { id coupons { coupon { id } } } }', undefined, viewer.accessToken);
    expect(result.data).toEqual({ me: { id: viewer.userId, coupons: null } });
    expect(result.errors).toEqual([
      expect.objectContaining({ path: ['me', 'coupons'], extensions: { code: 'MERCHANT_IDENTITY_NOT_LINKED', merchantId: 'acme' } }),
    ]);
    expect(system.received.coupons.requests.length).toBe(before);
  });

  it('answers CONSENT_REQUIRED when ACME may not be told yet, then lets the viewer through once they consent', async () => {
    const platform = await system.login(APPS.platform, 'policy-eli');
    await system.login(APPS.acme, 'policy-eli');
    const before = system.received.coupons.requests.length;
    const refused = await system.graphql('mutation { claimCoupon(couponId: "welcome-10") { claimedAt } }', undefined, platform.accessToken);
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'CONSENT_REQUIRED', merchantId: 'acme' });
    expect(system.received.coupons.requests.length).toBe(before);
    await system.grantDisclosure(platform.accessToken, 'acme');
    const claimed = await system.graphql('mutation { claimCoupon(couponId: "welcome-10") { claimedAt } }', undefined, platform.accessToken);
    expect(claimed.errors).toBeUndefined();
  });

  it('gives two viewers with different rights sending the same document each their own answer (no plan or merge shared)', async () => {
    const linked = await system.login(LOUNGE_APP, 'policy-fay');
    const stranger = await system.login(APPS.bobs, 'policy-gus');
    await system.graphql('mutation { earnLoungePoint }', undefined, linked.accessToken);
    const query = '{ me { loungePoints } loungeNews }';
    // Concurrent and identical: merged only with the same viewer, planned per filtered document.
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => system.graphql(query, undefined, i % 2 ? stranger.accessToken : linked.accessToken)));
    answers.forEach((answer, i) => {
      if (i % 2) {
        expect(answer.data).toEqual({ me: { loungePoints: null }, loungeNews: ['open late on Fridays'] });
        expect(codes(answer)).toEqual(['MERCHANT_IDENTITY_NOT_LINKED']);
      } else {
        expect(answer.data).toEqual({ me: { loungePoints: 1 }, loungeNews: ['open late on Fridays'] });
        expect(answer.errors).toBeUndefined();
      }
    });
  });

  it('applies to a subscription’s events on a socket as to a query', async () => {
    const anonymous = await openGraphQLSocket(system.gatewayUrl);
    anonymous.subscribe('s', { query: 'subscription { loungeTicker { name doorCode } }' });
    await anonymous.until(() => anonymous.results('s').length > 0, 'the event');
    expect(anonymous.results('s')[0]).toEqual({
      data: { loungeTicker: null },
      errors: [
        { message: 'You are not authorized to see this field.', path: ['loungeTicker', 'doorCode'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } },
      ],
    });
    const viewer = await system.login(APPS.platform, 'policy-hal');
    const member = await openGraphQLSocket(system.gatewayUrl, { init: bearer(viewer.accessToken) });
    member.subscribe('s', { query: 'subscription { loungeTicker { name doorCode } }' });
    await member.until(() => member.results('s').length > 0, 'the event');
    expect(member.results('s')[0]).toEqual({ data: { loungeTicker: { name: 'Upstairs lounge', doorCode: '4711' } } });
    anonymous.close();
    member.close();
  });
});

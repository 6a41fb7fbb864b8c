/**
 * The identity store's MongoDB stopped, hung and restarted under a running platform (its own embedded
 * server behind a fault proxy, so the merchants' databases stay up): warm viewers keep working, the rest
 * fail fast with a code, a login or link in the outage leaves nothing half done, and everything recovers
 * without restarting anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AfterStep } from '../../subgraphs/identity/merges.js';
import { loginCode } from '../support/fixtures.js';
import { linkingSteps } from '../support/linking-steps.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

let system: System;
let onMergeStep: AfterStep | undefined;
/** Each fault gets a platform of its own, so none starts from what the previous one left in drivers and pools. */
function ownSystem() {
  beforeAll(async () => {
    system = await startSystem({ separateIdentityStore: true, afterMergeStep: (step, merge) => onMergeStep?.(step, merge) });
  });
  afterAll(() => system.close());
}

const COUPONS = '{ availableCoupons { id } }';
type Coupons = { availableCoupons: { id: string }[] | null };
const ME = '{ me { id linkedMerchants { merchant { id } } } }';
const codes = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.map((e) => e.extensions?.code);

/**
 * Retries `attempt` until it passes, for at most `ms`: the driver sees the store again on its own schedule
 * (a heartbeat every 10 s, sooner when operations wait for it).
 */
async function eventually(attempt: () => Promise<void>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) {
        // What the identity service and the gateway's lookups last said of the store, to tell a slow recovery from a broken one.
        const said = system
          .logs()
          .split('\n')
          .filter((line) => /identity store unreachable|identity lookups failing/.test(line))
          .slice(-4);
        throw new Error(`${(error as Error).message}\nlast store outage logs:\n${said.join('\n')}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Four clients sending the warm viewer's merchant query and `me` (which needs the store), pair after pair
 * with 10 ms between, until stopped, at most 2,000 pairs or 60 s. Collects the codes of what failed.
 */
function startLoad(token: string) {
  const warmErrors: unknown[] = [];
  const me: string[] = [];
  let stopped = false;
  const deadline = Date.now() + 60_000;
  let budget = 2000;
  const client = async () => {
    while (!stopped && Date.now() < deadline && budget-- > 0) {
      const [coupons, self] = await Promise.all([system.graphql<Coupons>(COUPONS, undefined, token), system.graphql(ME, undefined, token)]);
      if (coupons.errors || !coupons.data?.availableCoupons?.length) warmErrors.push(coupons.errors ?? coupons.data);
      me.push(self.errors ? self.errors.map((e) => String(e.extensions?.code)).join(',') : 'ok');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const clients = Promise.all(Array.from({ length: 4 }, client));
  return {
    async stop() {
      // One more round once everything is back, so the last outcome shows recovery.
      await new Promise((resolve) => setTimeout(resolve, 500));
      stopped = true;
      await clients;
      return { warmErrors, me };
    },
  };
}

describe('the identity store stopped and restarted', () => {
  ownSystem();

  it('keeps warm viewers working, fails the rest with IDENTITY_STORE_UNAVAILABLE, loses no write, and recovers by itself', async () => {
    const warm = await system.login(APPS.platform, 'store-warm');
    const cold = await system.login(APPS.platform, 'store-cold');
    const before = await system.graphql<Coupons>(COUPONS, undefined, warm.accessToken);
    expect(before.errors).toBeUndefined();
    const coupons = before.data?.availableCoupons;
    expect(coupons?.length).toBeGreaterThan(0);
    const users = () => system.identityConnection.collection('identities').countDocuments({});

    const identitiesBefore = await users();
    // Load throughout the outage and the recovery: warm viewers' merchant fields and the store-bound `me`.
    const load = startLoad(warm.accessToken);
    let outcomes: Awaited<ReturnType<typeof load.stop>>;
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await system.stopIdentityStore();
      try {
        // The warm viewer's identities are cached: the merchant answers as before.
        const warmAnswer = await system.graphql<Coupons>(COUPONS, undefined, warm.accessToken);
        expect(warmAnswer.errors).toBeUndefined();
        expect(warmAnswer.data?.availableCoupons).toEqual(coupons);

        // The cold viewer's lookup needs the store: a registered code, the field null, no driver detail.
        const coldAnswer = await system.graphql<Coupons>(COUPONS, undefined, cold.accessToken);
        expect(coldAnswer.errors?.map((e) => e.extensions?.code)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
        expect(coldAnswer.data?.availableCoupons ?? null).toBeNull();
        expect(JSON.stringify(coldAnswer)).not.toMatch(/127\.0\.0\.1|mongodb:|ECONN/);

        // The identity subgraph's own resolvers answer the same code, a query and a mutation alike.
        const me = await system.graphql(ME, undefined, warm.accessToken);
        expect(codes(me)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
        const nonce = await system.graphql('mutation { createLinkNonce(merchantId: "bobs") { nonce } }', undefined, warm.accessToken);
        expect(codes(nonce)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
        // The official-account bridge's pages say "try again" with 503, not "this link has expired".
        const bridge = await fetch(new URL(`/oa-bridge/start?nonce=${'n'.repeat(32)}`, system.identity.url));
        expect(bridge.status).toBe(503);
        expect(bridge.headers.get('retry-after')).toBe('5');
        // The operator hears of it, with the driver's reason, without a line per failed request.
        const logged = system.logs().match(/identity store unreachable/g)?.length ?? 0;
        expect(logged).toBeGreaterThanOrEqual(1);
        expect(logged).toBeLessThanOrEqual(3);
        // So does the gateway's failing lookup (the cold viewer's), once and not per request.
        const lookups = system.logs().match(/identity lookups failing/g)?.length ?? 0;
        expect(lookups).toBeGreaterThanOrEqual(1);
        expect(lookups).toBeLessThanOrEqual(3);
        expect(JSON.stringify([me, nonce])).not.toMatch(/127\.0\.0\.1|mongodb:|ECONN/);

        // A login in the outage fails with a code and no tokens.
        const code = await loginCode(system.simulator, APPS.platform, 'store-newcomer');
        const login = await system.graphql<{ login: unknown }>(LOGIN, { appId: APPS.platform, code });
        expect(login.data?.login ?? null).toBeNull();
        expect(login.errors?.map((e) => e.extensions?.code)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
      } finally {
        await system.restartIdentityStore();
      }

      // Recovery without restarting anything: the cold viewer's query, the identity subgraph and a login work again.
      await eventually(async () => {
        const back = await system.graphql<Coupons>(COUPONS, undefined, cold.accessToken);
        expect(back.errors).toBeUndefined();
        expect(back.data?.availableCoupons).toEqual(coupons);
        expect((await system.graphql(ME, undefined, warm.accessToken)).errors).toBeUndefined();
      });
    } finally {
      outcomes = await load.stop();
    }
    // Under load too: the warm viewer's merchant fields never failed; the store-bound field failed only with the code.
    expect(outcomes.warmErrors).toEqual([]);
    expect(new Set(outcomes.me)).toEqual(new Set(['ok', 'IDENTITY_STORE_UNAVAILABLE']));
    expect(outcomes.me.at(-1)).toBe('ok');

    // Nothing was half-written by the failed login: the newcomer's identity appears only with a login that succeeds.
    expect(await users()).toBe(identitiesBefore);
    const newcomer = await system.login(APPS.platform, 'store-newcomer');
    expect(newcomer.accessToken).toBeTruthy();
    expect(await users()).toBe(identitiesBefore + 1);
  }, 150_000);
});

describe('the identity store hung (accepting connections, answering nothing)', () => {
  ownSystem();

  it('answers IDENTITY_STORE_UNAVAILABLE within the configured waits instead of hanging, and recovers when it answers again', async () => {
    const warm = await system.login(APPS.platform, 'hang-warm');
    const cold = await system.login(APPS.platform, 'hang-cold');
    expect((await system.graphql<Coupons>(COUPONS, undefined, warm.accessToken)).errors).toBeUndefined();

    system.hangIdentityStore();
    try {
      expect((await system.graphql<Coupons>(COUPONS, undefined, warm.accessToken)).errors).toBeUndefined();
      // The gateway's lookup gives up after IDENTITY_LOOKUP_TIMEOUT_MS; the identity subgraph's reads after MONGODB_TIMEOUT_MS.
      const [coldAnswer, me] = await Promise.all([
        system.graphql<Coupons>(COUPONS, undefined, cold.accessToken),
        system.graphql(ME, undefined, warm.accessToken),
      ]);
      expect(codes(coldAnswer)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
      expect(codes(me)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
    } finally {
      system.resumeIdentityStore();
    }
    await eventually(async () => {
      const [coldAnswer, me] = await Promise.all([
        system.graphql<Coupons>(COUPONS, undefined, cold.accessToken),
        system.graphql(ME, undefined, warm.accessToken),
      ]);
      expect(coldAnswer.errors).toBeUndefined();
      expect(me.errors).toBeUndefined();
    });
  }, 150_000);
});

describe('a link in flight when the store stops', () => {
  ownSystem();

  it('fails the link cleanly, finishes the half-done merge by itself once the store is back, and lets the same person retry the nonce', async () => {
    const steps = linkingSteps(system);
    const platformUser = await system.login(APPS.platform, 'inflight-pat');
    const merchantUser = await system.login(APPS.bobs, 'inflight-pat');
    const nonce = await steps.handoffNonce(platformUser);
    const merges = system.identityConnection.collection<{ _id: string; step: string }>('merges');

    // The store goes away right after the merge marked the merchant's user as merged, before identities move.
    let cut = false;
    onMergeStep = async (step) => {
      if (step !== 'user-marked' || cut) return;
      cut = true;
      await system.stopIdentityStore();
    };
    try {
      const failed = await steps.loginWithNonce(APPS.bobs, 'inflight-pat', nonce);
      expect(cut).toBe(true);
      expect(codes(failed)).toEqual(['IDENTITY_STORE_UNAVAILABLE']);
      expect(failed.data?.login ?? null).toBeNull();
    } finally {
      onMergeStep = undefined;
      await system.restartIdentityStore();
    }

    // Nobody retries, yet the merge completes: the merchant's user and identity now belong to the platform user.
    await eventually(async () => {
      expect((await merges.findOne({ _id: merchantUser.userId }))?.step).toBe('done');
    });
    const identities = await system.identityConnection
      .collection<{ userId: string; appId: string }>('identities')
      .find({ appId: { $in: [APPS.platform, APPS.bobs] }, userId: { $in: [platformUser.userId, merchantUser.userId] } })
      .toArray();
    expect(identities.map((i) => [i.appId, i.userId]).sort()).toEqual(
      [
        [APPS.platform, platformUser.userId],
        [APPS.bobs, platformUser.userId],
      ].sort(),
    );

    // The person retries the handoff with the same nonce: the link completes (the nonce is theirs)...
    const retried = await steps.loginWithNonce(APPS.bobs, 'inflight-pat', nonce);
    expect(retried.errors).toBeUndefined();
    expect(retried.data?.login.user.id).toBe(platformUser.userId);
    const audit = await system.identityConnection.collection('audit_events').find({ userId: platformUser.userId, route: 'HANDOFF' }).toArray();
    expect(audit.map((e) => [e.action, e.route]).sort()).toEqual([
      ['LINK', 'HANDOFF'],
      ['MERGE', 'HANDOFF'],
    ]);
    // ...but nobody else can spend it.
    expect(codes(await steps.loginWithNonce(APPS.bobs, 'inflight-someone-else', nonce))).toEqual(['LINK_NONCE_USED']);
  }, 150_000);
});

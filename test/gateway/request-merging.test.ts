/**
 * Merging identical in-flight client requests, through the whole system: identical anonymous requests
 * share one execution; a viewer's requests merge only with that viewer's own; identity never crosses
 * viewers; mutations never merge.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
const viewers: { name: string; accessToken: string; userId: string; coupon: string | undefined }[] = [];

beforeAll(async () => {
  system = await startSystem();
  for (const [name, coupon] of [
    ['mia', 'welcome-10'],
    ['noah', 'flash-50'],
    ['olga', undefined],
  ] as const) {
    const session = await system.login(APPS.acme, name);
    if (coupon) await system.graphql(`mutation { claimCoupon(couponId: "${coupon}") { claimedAt } }`, undefined, session.accessToken);
    viewers.push({ name, accessToken: session.accessToken, userId: session.userId, coupon });
  }
});
afterAll(() => system.close());

const merged = async () => {
  const text = await (await fetch(system.gatewayUrl.replace('/graphql', '/metrics'))).text();
  return Number(/^gateway_requests_merged_total (\d+)$/m.exec(text)?.[1]);
};
const requestsFor = (proxy: 'identity' | 'coupons' | 'products', text: string) => system.received[proxy].requests.filter((r) => r.body.includes(text)).length;

describe('merging identical in-flight client requests', () => {
  it('answers identical concurrent queries of different viewers each with their own OpenID\u2019s data', async () => {
    const query = `query Mine { me { id coupons { coupon { id } } } }`;
    const before = await merged();
    // Ten rounds of every viewer at once, interleaved: identical bodies, different tokens.
    const sent = Array.from({ length: 30 }, (_, i) => viewers[i % viewers.length]!);
    const answers = await Promise.all(
      sent.map((viewer) => system.graphql<{ me: { id: string; coupons: { coupon: { id: string } }[] } }>(query, undefined, viewer.accessToken)),
    );
    answers.forEach((answer, i) => {
      const viewer = sent[i]!;
      expect(answer.errors, viewer.name).toBeUndefined();
      expect(answer.data?.me.id, viewer.name).toBe(viewer.userId);
      expect(
        answer.data?.me.coupons.map((c) => c.coupon.id),
        viewer.name,
      ).toEqual(viewer.coupon ? [viewer.coupon] : []);
    });
    // Each viewer's own identical requests (double taps) did merge: the rule above held while merging was on.
    expect(await merged()).toBeGreaterThan(before);
  });

  it('keeps each viewer\u2019s own data when identical requests name the document by hash or come by GET', async () => {
    const query = `query MineByHash { me { id coupons { coupon { id } } } }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    // Registered once (automatic persisted queries), then named by hash only.
    expect((await system.graphql(query, undefined, viewers[0]!.accessToken, {})).errors).toBeUndefined();
    await fetch(system.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${viewers[0]!.accessToken}` },
      body: JSON.stringify({ query, extensions: { persistedQuery } }),
    });
    const send = (viewer: (typeof viewers)[number], how: 'apq' | 'documentId' | 'get') => {
      const authorization = { authorization: `Bearer ${viewer.accessToken}` };
      if (how === 'get') return fetch(`${system.gatewayUrl}?${new URLSearchParams({ query }).toString()}`, { headers: authorization });
      const body = how === 'apq' ? { extensions: { persistedQuery } } : { documentId: `sha256:${sha256Hash}` };
      return fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization }, body: JSON.stringify(body) });
    };
    for (const how of ['apq', 'documentId', 'get'] as const) {
      const before = await merged();
      const sent = Array.from({ length: 30 }, (_, i) => viewers[i % viewers.length]!);
      const answers = await Promise.all(
        sent.map(
          async (viewer) =>
            (await (await send(viewer, how)).json()) as { data?: { me: { id: string; coupons: { coupon: { id: string } }[] } }; errors?: unknown },
        ),
      );
      answers.forEach((answer, i) => {
        const viewer = sent[i]!;
        expect(answer.errors, `${how} ${viewer.name}`).toBeUndefined();
        expect(answer.data?.me.id, `${how} ${viewer.name}`).toBe(viewer.userId);
        expect(
          answer.data?.me.coupons.map((c) => c.coupon.id),
          `${how} ${viewer.name}`,
        ).toEqual(viewer.coupon ? [viewer.coupon] : []);
      });
      // Each viewer's own identical requests merged: the rule above held while merging was on for these too.
      expect(await merged(), how).toBeGreaterThan(before);
    }
  });

  it('shares one execution among identical concurrent anonymous requests', async () => {
    const query = `query Shelf { availableCoupons { id title } }`;
    const fetchesBefore = requestsFor('coupons', 'Shelf');
    const before = await merged();
    const answers = await Promise.all(Array.from({ length: 20 }, () => system.graphql<{ availableCoupons: { id: string }[] }>(query)));
    for (const answer of answers) expect(answer.data?.availableCoupons.map((c) => c.id).sort()).toEqual(['flash-50', 'welcome-10']);
    const executions = requestsFor('coupons', 'Shelf') - fetchesBefore;
    expect(executions).toBeLessThan(20);
    expect(await merged()).toBeGreaterThanOrEqual(1);
    expect((await merged()) - before + executions).toBe(20);
  });

  it('never merges mutations, even identical ones of the same viewer at once', async () => {
    const olga = viewers.find((v) => v.name === 'olga')!;
    const mutation = `mutation Tap { claimCoupon(couponId: "welcome-10") { coupon { id } } }`;
    const fetchesBefore = requestsFor('coupons', 'claimCoupon');
    const before = await merged();
    const answers = await Promise.all(Array.from({ length: 5 }, () => system.graphql(mutation, undefined, olga.accessToken)));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(requestsFor('coupons', 'claimCoupon') - fetchesBefore).toBe(5);
    expect(await merged()).toBe(before);
  });

  it('never lets a bad token ride on a good one: the same body with another token is verified on its own', async () => {
    const mia = viewers[0]!;
    const query = `query Mine { me { id } }`;
    const [good, bad] = await Promise.all([
      system.graphql<{ me: { id: string } }>(query, undefined, mia.accessToken),
      system.graphql(query, undefined, `${mia.accessToken.slice(0, -4)}AAAA`),
    ]);
    expect(good.data?.me.id).toBe(mia.userId);
    expect(bad.status).toBe(401);
  });
});

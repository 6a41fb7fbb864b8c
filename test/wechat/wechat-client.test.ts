/** The production WeChat client against the simulator: every success and error path it must handle. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../dev/wechat/server.js';
import { AccessTokenCache } from '../../platform/wechat/access-token-cache.js';
import { WechatClient } from '../../platform/wechat/wechat-client.js';
import { WechatApiError } from '../../platform/wechat/wechat-error.js';
import { APPS, demoConfig, demoSecrets, identityOf, loginCode, sim, startSimulator } from '../support/fixtures.js';

const secrets = demoSecrets();
const secret = (appId: string) => secrets[demoConfig.apps.find((a) => a.appId === appId)!.secretEnv!]!;
let simulator: WechatSimulator;
let client: WechatClient;

beforeAll(async () => {
  simulator = await startSimulator(secrets);
  client = new WechatClient({ baseUrl: simulator.url, backoffMs: 5, timeoutMs: 300 });
});
afterAll(() => simulator.close());
beforeEach(async () => {
  await fetch(`${simulator.url}/sim/faults`, { method: 'DELETE' });
  simulator.state.calls.clear();
});

async function failure(promise: Promise<unknown>): Promise<WechatApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WechatApiError);
  return error as WechatApiError;
}
const calls = (path: string) => simulator.state.calls.get(path) ?? 0;

describe('code2Session', () => {
  it('returns the OpenID, UnionID and a session key for a wx.login code', async () => {
    const session = await client.code2Session(APPS.platform, secret(APPS.platform), await loginCode(simulator, APPS.platform, 'alice'));
    const expected = await identityOf(simulator, APPS.platform, 'alice');
    expect(session.openId).toBe(expected.openId);
    expect(session.openId).toHaveLength(28);
    expect(session.unionId).toBe(expected.unionId);
    expect(session.sessionKey.length).toBeGreaterThan(10);
  });

  it('gives one person different OpenIDs per app and a UnionID shared only within an Open Platform account', async () => {
    const platform = await identityOf(simulator, APPS.platform, 'alice');
    const acme = await identityOf(simulator, APPS.acme, 'alice');
    const bobs = await identityOf(simulator, APPS.bobs, 'alice');
    expect(new Set([platform.openId, acme.openId, bobs.openId]).size).toBe(3);
    expect(acme.unionId).toBe(platform.unionId);
    expect(bobs.unionId).not.toBe(platform.unionId);
    expect((await identityOf(simulator, APPS.platform, 'bob')).openId).not.toBe(platform.openId);
  });

  it('refuses a used code with 40163 and does not retry it', async () => {
    const code = await loginCode(simulator, APPS.acme, 'alice');
    await client.code2Session(APPS.acme, secret(APPS.acme), code);
    const error = await failure(client.code2Session(APPS.acme, secret(APPS.acme), code));
    expect([error.errcode, error.kind]).toEqual([40163, 'code_used']);
    expect(calls('/sns/jscode2session')).toBe(2);
  });

  it('refuses an unknown code, a code made in another app and an expired code with 40029', async () => {
    expect((await failure(client.code2Session(APPS.acme, secret(APPS.acme), 'not-a-code'))).kind).toBe('invalid_code');
    const platformCode = await loginCode(simulator, APPS.platform, 'alice');
    expect((await failure(client.code2Session(APPS.acme, secret(APPS.acme), platformCode))).errcode).toBe(40029);
    const stale = await loginCode(simulator, APPS.acme, 'alice');
    await sim(simulator, '/sim/clock', { advanceMs: 5 * 60_000 + 1000 });
    expect((await failure(client.code2Session(APPS.acme, secret(APPS.acme), stale))).errcode).toBe(40029);
  });

  it('reports a wrong secret (40125) and an unknown appid (40013) as misconfiguration, without the secret in the message', async () => {
    const wrong = await failure(client.code2Session(APPS.acme, 'wrong-secret-value', await loginCode(simulator, APPS.acme, 'a')));
    expect([wrong.errcode, wrong.kind]).toEqual([40125, 'misconfigured']);
    expect(wrong.message).not.toContain('wrong-secret-value');
    expect((await failure(client.code2Session('wx9999999999999999', 'x', 'y'))).errcode).toBe(40013);
  });

  it('retries busy (-1) answers with backoff and succeeds', async () => {
    await sim(simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: -1, times: 2 });
    const session = await client.code2Session(APPS.platform, secret(APPS.platform), await loginCode(simulator, APPS.platform, 'carol'));
    expect(session.openId).toBe((await identityOf(simulator, APPS.platform, 'carol')).openId);
    expect(calls('/sns/jscode2session')).toBe(3);
  });

  it('gives up after a bounded number of busy answers', async () => {
    await sim(simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: -1, times: 5 });
    const error = await failure(client.code2Session(APPS.platform, secret(APPS.platform), await loginCode(simulator, APPS.platform, 'dan')));
    expect(error.kind).toBe('busy');
    expect(calls('/sns/jscode2session')).toBe(3);
  });

  it('retries a timeout and succeeds on the next attempt', async () => {
    await sim(simulator, '/sim/faults', { path: '/sns/jscode2session', delayMs: 1000, times: 1 });
    const code = await loginCode(simulator, APPS.platform, 'erin');
    // The stalled first attempt reaches the handler only after 1 s; the retry, sent at ~300 ms, uses the code first.
    const session = await client.code2Session(APPS.platform, secret(APPS.platform), code);
    expect(session.openId).toHaveLength(28);
  });

  it('does not retry a rate limit (45011) or a blocked login (40226)', async () => {
    await sim(simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: 45011, times: 1 });
    expect((await failure(client.code2Session(APPS.platform, secret(APPS.platform), 'c1'))).kind).toBe('rate_limited');
    await sim(simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: 40226, times: 1 });
    expect((await failure(client.code2Session(APPS.platform, secret(APPS.platform), 'c2'))).kind).toBe('login_blocked');
    expect(calls('/sns/jscode2session')).toBe(2);
  });
});

describe('access tokens', () => {
  it('stable_token returns the same token until force_refresh', async () => {
    const a = await client.stableToken(APPS.platform, secret(APPS.platform));
    const b = await client.stableToken(APPS.platform, secret(APPS.platform));
    expect(b.accessToken).toBe(a.accessToken);
    expect(b.expiresInSeconds).toBeLessThanOrEqual(7200);
    const c = await client.stableToken(APPS.platform, secret(APPS.platform), true);
    expect(c.accessToken).not.toBe(a.accessToken);
  });

  it('/cgi-bin/token issues a new token each time and the previous one keeps working five minutes', async () => {
    const get = async () =>
      (await (await fetch(`${simulator.url}/cgi-bin/token?grant_type=client_credential&appid=${APPS.acme}&secret=${secret(APPS.acme)}`)).json()) as {
        access_token: string;
      };
    const first = await get();
    const second = await get();
    expect(second.access_token).not.toBe(first.access_token);
    expect(simulator.state.tokenApp(first.access_token)).toBe(APPS.acme);
    await sim(simulator, '/sim/clock', { advanceMs: 5 * 60_000 + 1 });
    expect(simulator.state.tokenApp(first.access_token)).toBeUndefined();
    expect(simulator.state.tokenApp(second.access_token)).toBe(APPS.acme);
  });

  it('the central cache fetches once for concurrent callers and refreshes on a stale-token answer', async () => {
    const fetches: boolean[] = [];
    const cache = new AccessTokenCache((appId, force) => {
      fetches.push(force);
      return client.stableToken(appId, secret(appId), force);
    });
    const tokens = await Promise.all([1, 2, 3].map(() => cache.get(APPS.acme)));
    expect(new Set(tokens).size).toBe(1);
    expect(fetches).toEqual([false]);

    const phoneCode = (await sim(simulator, '/sim/phone', { appId: APPS.acme, user: 'alice', phone: '13800138000' })).code!;
    await sim(simulator, '/sim/faults', { path: '/wxa/business/getuserphonenumber', errcode: 40001, times: 1 });
    const phone = await cache.withToken(APPS.acme, (token) => client.userPhoneNumber(token, phoneCode));
    expect(phone.purePhoneNumber).toBe('13800138000');
    expect(phone.watermarkAppId).toBe(APPS.acme);
    expect(fetches).toEqual([false, true]);
  });

  it('renews a token ahead of its expiry', async () => {
    let now = 0;
    let n = 0;
    const cache = new AccessTokenCache(
      async () => ({ accessToken: `t${++n}`, expiresInSeconds: 7200 }),
      () => now,
    );
    expect(await cache.get('app')).toBe('t1');
    now = (7200 - 301) * 1000;
    expect(await cache.get('app')).toBe('t1');
    now = (7200 - 299) * 1000;
    expect(await cache.get('app')).toBe('t2');
  });
});

describe('official-account web OAuth', () => {
  const oa = () => demoConfig.apps.find((a) => a.appId === APPS.officialAccount)!;
  const authorize = (params: Record<string, string>, user?: string) =>
    fetch(`${simulator.url}/connect/oauth2/authorize?${new URLSearchParams(params)}`, { redirect: 'manual', headers: user ? { 'x-sim-user': user } : {} });

  it('redirects silently with a code and state, and the exchange yields the official-account OpenID', async () => {
    const response = await authorize(
      { appid: APPS.officialAccount, redirect_uri: 'http://127.0.0.1:4001/oa/callback', response_type: 'code', scope: 'snsapi_base', state: 'abc123' },
      'alice',
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('abc123');
    const identity = await client.oauthAccessToken(APPS.officialAccount, secrets[oa().secretEnv!]!, location.searchParams.get('code')!);
    expect(identity.openId).toBe((await identityOf(simulator, APPS.officialAccount, 'alice')).openId);
    expect(identity.isSnapshotUser).toBe(false);
    expect(identity.unionId).toBeUndefined();
  });

  it('refuses a redirect outside the web-authorisation domains with 10003 and marks snapshot users', async () => {
    const response = await authorize(
      { appid: APPS.officialAccount, redirect_uri: 'https://evil.example/cb', response_type: 'code', scope: 'snsapi_base', state: 's' },
      'alice',
    );
    expect(((await response.json()) as { errcode: number }).errcode).toBe(10003);
    const { code } = await sim(simulator, '/sim/oauth', { appId: APPS.officialAccount, user: 'ghost', snapshot: true });
    expect((await client.oauthAccessToken(APPS.officialAccount, secrets[oa().secretEnv!]!, code!)).isSnapshotUser).toBe(true);
  });
});

describe('third-party platform login', () => {
  it('logs in to an app that authorised the platform and refuses one that did not (61003)', async () => {
    const component = demoConfig.thirdPartyPlatform!;
    const { ticket } = await sim(simulator, '/sim/component-verify-ticket');
    const token = await client.componentToken(component.componentAppId, secrets[component.secretEnv]!, ticket!);
    const session = await client.componentCode2Session(APPS.bobs, await loginCode(simulator, APPS.bobs, 'alice'), component.componentAppId, token.accessToken);
    expect(session.openId).toBe((await identityOf(simulator, APPS.bobs, 'alice')).openId);
    const refused = await failure(
      client.componentCode2Session(APPS.acme, await loginCode(simulator, APPS.acme, 'alice'), component.componentAppId, token.accessToken),
    );
    expect([refused.errcode, refused.kind]).toEqual([61003, 'not_authorized']);
  });
});

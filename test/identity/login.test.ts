/** Login, sessions and the identity store's guarantees, through the gateway as the mini-program calls them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModels } from '../../platform/identity-store/models.js';
import { SessionKeyVault } from '../../subgraphs/identity/session-key-vault.js';
import { identityOf, loginCode, sim } from '../support/fixtures.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

const models = () => identityModels(system.identityConnection);
const loginWith = (appId: string, code: string) =>
  system.graphql<{ login: { user: { id: string }; refreshToken: string; accessToken: string } }>(LOGIN, { appId, code });
const errorCode = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;

describe('racing first logins', () => {
  it('end with one user and one identity when the same person logs in many times at once in one app', async () => {
    const codes = await Promise.all(Array.from({ length: 8 }, () => loginCode(system.simulator, APPS.platform, 'racer')));
    const results = await Promise.all(codes.map((code) => loginWith(APPS.platform, code)));
    const userIds = new Set(results.map((r) => r.data?.login.user.id));
    expect(userIds.size).toBe(1);
    const { openId } = await identityOf(system.simulator, APPS.platform, 'racer');
    expect(await models().Identity.countDocuments({ appId: APPS.platform, openId })).toBe(1);
    expect(await models().User.countDocuments({ _id: [...userIds][0] })).toBe(1);
  });

  it('end with one user when two apps sharing a UnionID log the same person in at once', async () => {
    const logins = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const app = i % 2 ? APPS.acme : APPS.platform;
        return loginWith(app, await loginCode(system.simulator, app, 'twin'));
      }),
    );
    const userIds = new Set(logins.map((r) => r.data?.login.user.id));
    expect(userIds.size).toBe(1);
    const userId = [...userIds][0]!;
    expect(await models().Identity.countDocuments({ userId })).toBe(2);
    expect(await models().User.countDocuments({ _id: userId })).toBe(1);
  });
});

describe('WeChat failures become clear errors', () => {
  it('a used code is WECHAT_CODE_USED; an unknown, malformed or foreign code is WECHAT_CODE_INVALID', async () => {
    const code = await loginCode(system.simulator, APPS.platform, 'eve');
    expect((await loginWith(APPS.platform, code)).errors).toBeUndefined();
    expect(errorCode(await loginWith(APPS.platform, code))).toBe('WECHAT_CODE_USED');
    expect(errorCode(await loginWith(APPS.platform, 'nope'))).toBe('WECHAT_CODE_INVALID');
    expect(errorCode(await loginWith(APPS.platform, 'bad code with spaces'))).toBe('WECHAT_CODE_INVALID');
    expect(errorCode(await loginWith(APPS.acme, await loginCode(system.simulator, APPS.platform, 'eve')))).toBe('WECHAT_CODE_INVALID');
  });

  it('an unregistered appId or an official account is APP_NOT_REGISTERED', async () => {
    expect(errorCode(await loginWith('wx9999999999999999', 'abc'))).toBe('APP_NOT_REGISTERED');
    expect(errorCode(await loginWith(APPS.officialAccount, 'abc'))).toBe('APP_NOT_REGISTERED');
  });

  it('retries WeChat busy answers; persistent busy is WECHAT_UNAVAILABLE and rate limits WECHAT_RATE_LIMITED', async () => {
    await sim(system.simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: -1, times: 2 });
    expect((await loginWith(APPS.platform, await loginCode(system.simulator, APPS.platform, 'fay'))).errors).toBeUndefined();
    await sim(system.simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: -1, times: 3 });
    expect(errorCode(await loginWith(APPS.platform, await loginCode(system.simulator, APPS.platform, 'fay')))).toBe('WECHAT_UNAVAILABLE');
    await sim(system.simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: 45011, times: 1 });
    expect(errorCode(await loginWith(APPS.platform, await loginCode(system.simulator, APPS.platform, 'fay')))).toBe('WECHAT_RATE_LIMITED');
  });

  it('a misconfigured app (WeChat says the secret is wrong) is masked for the client and logged for the operator', async () => {
    await sim(system.simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: 40125, times: 1 });
    const result = await loginWith(APPS.platform, await loginCode(system.simulator, APPS.platform, 'gus'));
    expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(result)).not.toContain('40125');
    expect(system.logs()).toMatch(/"requestId":"[0-9a-f-]{36}".*"errcode":40125/);
    // The identity service's masked error carries the request id the gateway forwarded.
    expect(system.logs()).toMatch(
      /"service":"identity".*"requestId":"[0-9a-f-]{36}".*unexpected error masked|"requestId":"[0-9a-f-]{36}".*"service":"identity".*unexpected error masked/,
    );
    for (const secret of Object.values(system.secrets)) expect(system.logs()).not.toContain(secret);
  });
});

describe('sessions', () => {
  const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { id } } }`;
  type Refreshed = { refreshSession: { accessToken: string; refreshToken: string; user: { id: string } } };

  it('rotate refresh tokens; a reused one revokes the whole family', async () => {
    const first = await system.login(APPS.platform, 'hal');
    const second = await system.graphql<Refreshed>(REFRESH, { t: first.refreshToken });
    expect(second.data?.refreshSession.user.id).toBe(first.userId);
    const me = await system.graphql<{ me: { id: string } }>(`{ me { id } }`, undefined, second.data!.refreshSession.accessToken);
    expect(me.data?.me.id).toBe(first.userId);

    const reuse = await system.graphql(REFRESH, { t: first.refreshToken });
    expect(errorCode(reuse)).toBe('REFRESH_TOKEN_REUSED');
    expect(errorCode(await system.graphql(REFRESH, { t: second.data!.refreshSession.refreshToken }))).toBe('REFRESH_TOKEN_INVALID');
  });

  it('end at logout, and refuse unknown tokens', async () => {
    const session = await system.login(APPS.platform, 'ivy');
    const out = await system.graphql<{ logout: boolean }>(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: session.refreshToken });
    expect(out.data?.logout).toBe(true);
    expect(errorCode(await system.graphql(REFRESH, { t: session.refreshToken }))).toBe('REFRESH_TOKEN_INVALID');
    expect(errorCode(await system.graphql(REFRESH, { t: 'rt_garbage' }))).toBe('REFRESH_TOKEN_INVALID');
  });

  it('store refresh tokens only as hashes', async () => {
    const session = await system.login(APPS.platform, 'jay');
    const stored = await models().RefreshToken.find({ userId: session.userId }).lean();
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain(session.refreshToken);
  });
});

describe('the WeChat session key', () => {
  it('is stored only encrypted, and never appears in a response or a log', async () => {
    const code = await loginCode(system.simulator, APPS.platform, 'kim');
    const response = await loginWith(APPS.platform, code);
    const { openId } = await identityOf(system.simulator, APPS.platform, 'kim');
    const doc = await models().Identity.findOne({ appId: APPS.platform, openId }).select('+sessionKey').lean();
    expect(doc?.sessionKey).toEqual({ iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
    const sessionKey = new SessionKeyVault(system.dataKey).open(doc!.sessionKey!);
    expect(Buffer.from(sessionKey, 'base64')).toHaveLength(16);
    expect(JSON.stringify(doc)).not.toContain(sessionKey);
    expect(JSON.stringify(response)).not.toContain(sessionKey);
    expect(JSON.stringify(response)).not.toContain(openId);
    expect(system.logs()).not.toContain(sessionKey);
    expect(system.logs()).not.toContain(openId);
  });

  it('is not selected by ordinary reads', async () => {
    const doc = await models().Identity.findOne({}).lean();
    expect(doc).not.toHaveProperty('sessionKey');
  });
});

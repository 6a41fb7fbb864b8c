/** WeChat failing during login, through the whole system: clear codes, bounded retries, and no session from a failed call. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModels } from '../../platform/identity-store/models.js';
import { identityOf, loginCode, sim } from '../support/fixtures.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

const JSCODE2SESSION = '/sns/jscode2session';

/** Logs `user` in once with WeChat failing as `fault` says; returns the error code and what the store holds for them. */
async function loginWhileFailing(user: string, fault: { errcode?: number; delayMs?: number; times: number }) {
  const code = await loginCode(system.simulator, APPS.platform, user);
  await sim(system.simulator, '/sim/faults', { path: JSCODE2SESSION, ...fault });
  const result = await system.graphql(LOGIN, { appId: APPS.platform, code });
  const { openId } = await identityOf(system.simulator, APPS.platform, user);
  const models = identityModels(system.identityConnection);
  const identity = await models.Identity.findOne({ appId: APPS.platform, openId }).lean();
  const sessions = identity ? await models.RefreshToken.countDocuments({ userId: identity.userId }) : 0;
  return { code: result.errors?.[0]?.extensions?.code ?? 'OK', stored: { identity: identity !== null, sessions } };
}

describe('WeChat failing during login', () => {
  it('answers WECHAT_UNAVAILABLE when WeChat stays busy (-1) through every bounded retry, and creates nothing', async () => {
    // The client tries 3 times (2 retries); a fourth busy answer would be left unused.
    expect(await loginWhileFailing('wf-busy', { errcode: -1, times: 3 })).toEqual({ code: 'WECHAT_UNAVAILABLE', stored: { identity: false, sessions: 0 } });
  });

  it('answers WECHAT_RATE_LIMITED at once for 45011 (not retried: WeChat asks callers to slow down), and creates nothing', async () => {
    // Only one 45011 is queued: a retry would have succeeded, so this answer proves there was none.
    expect(await loginWhileFailing('wf-limited', { errcode: 45011, times: 1 })).toEqual({
      code: 'WECHAT_RATE_LIMITED',
      stored: { identity: false, sessions: 0 },
    });
  });

  it('answers WECHAT_UNAVAILABLE when WeChat times out on every attempt, and creates nothing', async () => {
    // The identity service's WeChat timeout is 2 s in tests; three attempts each wait it out.
    expect(await loginWhileFailing('wf-slow', { delayMs: 2500, times: 3 })).toEqual({ code: 'WECHAT_UNAVAILABLE', stored: { identity: false, sessions: 0 } });
  });

  it('logs in once WeChat answers again, with exactly one session', async () => {
    await sim(system.simulator, '/sim/faults', { path: JSCODE2SESSION, errcode: -1, times: 2 });
    const code = await loginCode(system.simulator, APPS.platform, 'wf-busy');
    expect((await system.graphql(LOGIN, { appId: APPS.platform, code })).errors).toBeUndefined();
    const { openId } = await identityOf(system.simulator, APPS.platform, 'wf-busy');
    const models = identityModels(system.identityConnection);
    const identity = await models.Identity.findOne({ appId: APPS.platform, openId }).lean();
    expect(await models.RefreshToken.countDocuments({ userId: identity!.userId })).toBe(1);
  });
});

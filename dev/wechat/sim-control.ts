/**
 * The /sim control API: what a person's WeChat client would do (wx.login, the OAuth step, the phone
 * button), the identities a person has (for tests to check what reached a subgraph), faults and clock.
 */
import type { PlatformConfig } from '../../platform/config/platform-config.js';
import { openIdOf, unionIdOf } from './people.js';
import type { CodeKind, SimulatorState } from './sim-state.js';
import { badRequest, ok, type SimHandler, type SimRequest } from './sim-http.js';

const PERSON_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const PHONE_PATTERN = /^[0-9]{5,15}$/;

export function simControlRoutes(config: PlatformConfig, state: SimulatorState): Record<string, SimHandler> {
  const apps = new Map(config.apps.map((a) => [a.appId, a]));

  const issue =
    (kind: CodeKind, appKind: 'miniprogram' | 'official_account'): SimHandler =>
    (req: SimRequest) => {
      const { appId, user, phone, snapshot } = req.body;
      const app = typeof appId === 'string' ? apps.get(appId) : undefined;
      if (!app) return badRequest(`unknown appId ${String(appId)}`);
      if (app.kind !== appKind) return badRequest(`${app.appId} is not a ${appKind}`);
      if (typeof user !== 'string' || !PERSON_PATTERN.test(user)) return badRequest('user must be 1-64 letters, digits, _ . -');
      if (kind === 'phone' && (typeof phone !== 'string' || !PHONE_PATTERN.test(phone))) return badRequest('phone must be 5-15 digits');
      const code = state.issueCode({
        kind,
        appId: app.appId,
        person: user,
        ...(kind === 'phone' ? { phone: phone as string } : {}),
        ...(kind === 'oauth' ? { snapshot: snapshot === true, scope: 'snsapi_base' } : {}),
      });
      return ok({ code });
    };

  return {
    'POST /sim/login': issue('login', 'miniprogram'),
    'POST /sim/oauth': issue('oauth', 'official_account'),
    'POST /sim/phone': issue('phone', 'miniprogram'),
    'GET /sim/identity': (req) => {
      const app = apps.get(req.query.get('appId') ?? '');
      const user = req.query.get('user') ?? '';
      if (!app) return badRequest('unknown appId');
      if (!PERSON_PATTERN.test(user)) return badRequest('bad user');
      return ok({ openId: openIdOf(app.appId, user), unionId: app.openPlatform ? unionIdOf(app.openPlatform, user) : null });
    },
    'POST /sim/faults': (req) => {
      const { path, errcode, delayMs, times = 1 } = req.body;
      if (typeof path !== 'string' || !path.startsWith('/')) return badRequest('path must be an API path such as /sns/jscode2session');
      if (errcode !== undefined && typeof errcode !== 'number') return badRequest('errcode must be a number');
      if (delayMs !== undefined && (typeof delayMs !== 'number' || delayMs < 0 || delayMs > 60_000)) return badRequest('delayMs must be 0-60000');
      if (errcode === undefined && delayMs === undefined) return badRequest('give errcode or delayMs');
      if (typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > 1000) return badRequest('times must be 1-1000');
      state.faults.push({ path, errcode, delayMs, times });
      return ok({ queued: state.faults.length });
    },
    'DELETE /sim/faults': () => {
      state.faults.length = 0;
      return ok({ queued: 0 });
    },
    'POST /sim/clock': (req) => {
      const { advanceMs } = req.body;
      if (typeof advanceMs !== 'number' || advanceMs < 0) return badRequest('advanceMs must be a non-negative number');
      state.advance(advanceMs);
      return ok({ now: state.now() });
    },
    'GET /sim/calls': () => ok(Object.fromEntries(state.calls)),
    'GET /sim/component-verify-ticket': () => ok({ ticket: state.verifyTicket }),
  };
}

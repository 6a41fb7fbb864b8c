/**
 * The WeChat APIs the project calls, at WeChat's paths, with WeChat's parameters, fields and errcodes
 * (see docs/wechat-api.md). Apps and secrets come from the platform config and environment, so the
 * simulator and the services cannot disagree about them.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfig, PlatformConfig } from '../../platform/config/platform-config.js';
import { openIdOf, unionIdOf } from './people.js';
import { OLD_TOKEN_GRACE_MS, type CodeKind, type SimulatorState } from './sim-state.js';
import { ok, wechatError, type SimHandler, type SimReply, type SimRequest } from './sim-http.js';

export interface WechatApiDeps {
  config: PlatformConfig;
  state: SimulatorState;
  /** The secret for an app, by the env variable name the platform config gives. */
  secretOf: (envName: string) => string | undefined;
}

const STATE_PATTERN = /^[A-Za-z0-9]{0,128}$/;

export function wechatApiRoutes({ config, state, secretOf }: WechatApiDeps): Record<string, SimHandler> {
  const apps = new Map(config.apps.map((a) => [a.appId, a]));
  const component = config.thirdPartyPlatform;
  const identityOf = (app: AppConfig, person: string) => ({
    openid: openIdOf(app.appId, person),
    ...(app.openPlatform ? { unionid: unionIdOf(app.openPlatform, person) } : {}),
  });

  /** Checks appid + secret; returns the app or the errcode reply WeChat gives. */
  const credentials = (appId: string | null, secret: unknown, kind?: AppConfig['kind']): AppConfig | SimReply => {
    const app = appId ? apps.get(appId) : undefined;
    if (!app || (kind && app.kind !== kind)) return wechatError(40013, 'invalid appid');
    const expected = app.secretEnv ? secretOf(app.secretEnv) : undefined;
    if (!expected || secret !== expected) return wechatError(40125, 'invalid appsecret');
    return app;
  };
  const isReply = (value: AppConfig | SimReply): value is SimReply => 'status' in value;

  /** Validates and consumes a code made in `app`; an error reply when WeChat would refuse it. */
  const consumeCode = (value: string | null, kind: CodeKind, appId: string) => {
    const code = value ? state.lookupCode(value, kind) : undefined;
    if (!code || code.appId !== appId) return { reply: wechatError(40029, 'invalid code') };
    if (code.used) return { reply: wechatError(40163, 'code been used') };
    code.used = true;
    return { code };
  };

  const jscode2session: SimHandler = (req) => {
    if (req.query.get('grant_type') !== 'authorization_code') return wechatError(40002, 'invalid grant_type');
    const app = credentials(req.query.get('appid'), req.query.get('secret'), 'miniprogram');
    if (isReply(app)) return app;
    const { code, reply } = consumeCode(req.query.get('js_code'), 'login', app.appId);
    if (!code) return reply;
    // A new session_key each login, as WeChat may rotate it on any new code. Success carries no errcode.
    return ok({ ...identityOf(app, code.person), session_key: randomBytes(16).toString('base64') });
  };

  const componentJscode2session: SimHandler = (req) => {
    if (req.query.get('grant_type') !== 'authorization_code') return wechatError(40002, 'invalid grant_type');
    if (!component || req.query.get('component_appid') !== component.componentAppId) return wechatError(40013, 'invalid component appid');
    if (state.tokenApp(req.query.get('component_access_token') ?? '') !== component.componentAppId) return wechatError(40001, 'invalid component_access_token');
    const app = apps.get(req.query.get('appid') ?? '');
    if (!app || app.kind !== 'miniprogram') return wechatError(40013, 'invalid appid');
    if (!app.authorizesThirdPartyPlatform) return wechatError(61003, 'component is not authorized by this account');
    const { code, reply } = consumeCode(req.query.get('js_code'), 'login', app.appId);
    if (!code) return reply;
    return ok({ ...identityOf(app, code.person), session_key: randomBytes(16).toString('base64') });
  };

  const componentToken: SimHandler = (req) => {
    if (!component || req.body.component_appid !== component.componentAppId) return wechatError(40013, 'invalid component appid');
    if (req.body.component_appsecret !== secretOf(component.secretEnv)) return wechatError(40125, 'invalid component appsecret');
    if (typeof req.body.component_verify_ticket !== 'string' || req.body.component_verify_ticket !== state.verifyTicket) {
      return wechatError(61006, 'component ticket is invalid');
    }
    const { token, expiresIn } = state.issueToken(component.componentAppId);
    return ok({ component_access_token: token, expires_in: expiresIn });
  };

  /** /cgi-bin/token: every fetch issues a new token; the previous one keeps working five more minutes. */
  const cgiToken: SimHandler = (req) => {
    if (req.query.get('grant_type') !== 'client_credential') return wechatError(40002, 'invalid grant_type');
    const app = credentials(req.query.get('appid'), req.query.get('secret'));
    if (isReply(app)) return app;
    const previous = state.stableTokens.get(app.appId);
    if (previous) state.expireToken(previous, OLD_TOKEN_GRACE_MS);
    const { token, expiresIn } = state.issueToken(app.appId);
    state.stableTokens.set(app.appId, token);
    return ok({ access_token: token, expires_in: expiresIn });
  };

  /** /cgi-bin/stable_token: the same token until it expires, unless force_refresh. */
  const stableToken: SimHandler = (req) => {
    if (req.body.grant_type !== 'client_credential') return wechatError(40002, 'invalid grant_type');
    const app = credentials(typeof req.body.appid === 'string' ? req.body.appid : null, req.body.secret);
    if (isReply(app)) return app;
    const current = state.stableTokens.get(app.appId);
    const issued = current ? state.tokens.get(current) : undefined;
    if (current && issued && state.now() < issued.expiresAt && req.body.force_refresh !== true) {
      return ok({ access_token: current, expires_in: Math.floor((issued.expiresAt - state.now()) / 1000) });
    }
    if (current) state.expireToken(current, 0);
    const { token, expiresIn } = state.issueToken(app.appId);
    state.stableTokens.set(app.appId, token);
    return ok({ access_token: token, expires_in: expiresIn });
  };

  /** The silent authorize step: redirects to redirect_uri with a code, as WeChat does inside a web-view. */
  const oauthAuthorize: SimHandler = (req) => {
    const app = apps.get(req.query.get('appid') ?? '');
    if (!app || app.kind !== 'official_account') return wechatError(40013, 'invalid appid');
    const redirect = req.query.get('redirect_uri') ?? '';
    if (!URL.canParse(redirect) || !app.webAuthDomains.includes(new URL(redirect).hostname)) return wechatError(10003, 'redirect_uri domain mismatch');
    const scope = req.query.get('scope') ?? '';
    if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') return wechatError(10005, 'scope is not allowed');
    if (req.query.get('response_type') !== 'code') return wechatError(40002, 'invalid response_type');
    const stateParam = req.query.get('state') ?? '';
    if (!STATE_PATTERN.test(stateParam)) return wechatError(40002, 'invalid state');
    // The simulated WeChat client says who is looking at the web-view.
    const person = req.headers['x-sim-user'];
    if (typeof person !== 'string' || !person) return { status: 400, body: { error: 'send the simulated person in the x-sim-user header' } };
    const snapshot = req.headers['x-sim-snapshot'] === '1';
    const code = state.issueCode({ kind: 'oauth', appId: app.appId, person, snapshot, scope });
    const target = new URL(redirect);
    target.searchParams.set('code', code);
    target.searchParams.set('state', stateParam);
    return { status: 302, headers: { location: target.toString() } };
  };

  const oauthAccessToken: SimHandler = (req) => {
    if (req.query.get('grant_type') !== 'authorization_code') return wechatError(40002, 'invalid grant_type');
    const app = credentials(req.query.get('appid'), req.query.get('secret'), 'official_account');
    if (isReply(app)) return app;
    const { code, reply } = consumeCode(req.query.get('code'), 'oauth', app.appId);
    if (!code) return reply;
    const identity = identityOf(app, code.person);
    const { token, expiresIn } = state.issueToken(app.appId);
    return ok({
      access_token: token,
      expires_in: expiresIn,
      refresh_token: randomBytes(24).toString('base64url'),
      openid: identity.openid,
      scope: code.scope ?? 'snsapi_base',
      // Only snsapi_userinfo is sure to carry a unionid.
      ...(code.scope === 'snsapi_userinfo' && identity.unionid ? { unionid: identity.unionid } : {}),
      ...(code.snapshot ? { is_snapshotuser: 1 } : {}),
    });
  };

  const phoneNumber: SimHandler = (req: SimRequest) => {
    const tokenApp = state.tokenApp(req.query.get('access_token') ?? '');
    if (!tokenApp) return wechatError(40001, 'invalid credential, access_token is invalid or not latest');
    const { code, reply } = consumeCode(typeof req.body.code === 'string' ? req.body.code : null, 'phone', tokenApp);
    if (!code) return reply;
    const phone = code.phone ?? '';
    return ok({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: `+86${phone}`,
        purePhoneNumber: phone,
        countryCode: '86',
        watermark: { timestamp: Math.floor(state.now() / 1000), appid: tokenApp },
      },
    });
  };

  return {
    'GET /sns/jscode2session': jscode2session,
    'GET /sns/component/jscode2session': componentJscode2session,
    'POST /cgi-bin/component/api_component_token': componentToken,
    'GET /cgi-bin/token': cgiToken,
    'POST /cgi-bin/stable_token': stableToken,
    'GET /connect/oauth2/authorize': oauthAuthorize,
    'GET /sns/oauth2/access_token': oauthAccessToken,
    'POST /wxa/business/getuserphonenumber': phoneNumber,
  };
}

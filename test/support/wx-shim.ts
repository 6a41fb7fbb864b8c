/**
 * A small `wx` for running mini-program code in tests against the real system: one simulated phone of one
 * WeChat user, with a `wx` per mini-program on it. wx.login asks the WeChat simulator for a code (as WeChat
 * would give that user in that app), wx.request goes over real HTTP, storage is in memory per app, and
 * navigateToMiniProgram hands extraData to the other app, whose getEnterOptionsSync then returns it.
 */
/// <reference types="miniprogram-api-typings" />
import type { WechatSimulator } from '../../dev/wechat/server.js';
import type { WxApi } from 'identity-federation-client';
import { loginCode } from './fixtures.js';

export interface WxShim extends WxApi {
  readonly appId: string;
  navigateToMiniProgram(option: WechatMiniprogram.NavigateToMiniProgramOption): void;
  /** Every request body this app sent, in order. */
  readonly sent: string[];
  /** How often this app called wx.login(). */
  logins(): number;
}

export interface Phone {
  /** The `wx` of one mini-program on this phone. */
  app(appId: string): WxShim;
}

export function createPhone(simulator: WechatSimulator, user: string): Phone {
  const apps = new Map<string, WxShim>();
  const app = (appId: string): WxShim => {
    let shim = apps.get(appId);
    if (!shim) apps.set(appId, (shim = createWx(simulator, user, appId, app)));
    return shim;
  };
  return { app };
}

function createWx(
  simulator: WechatSimulator,
  user: string,
  appId: string,
  appOnPhone: (appId: string) => WxShim,
): WxShim & { enter(options: WechatMiniprogram.LaunchOptionsApp): void } {
  const storage = new Map<string, unknown>();
  const sent: string[] = [];
  let logins = 0;
  let enterOptions: WechatMiniprogram.LaunchOptionsApp = {
    path: '',
    query: {},
    scene: 1001,
    shareTicket: '',
    referrerInfo: { appId: '', extraData: {} },
    forwardMaterials: [],
    chatType: 1,
    apiCategory: 'default',
    hostExtraData: { host_scene: '' },
  };
  return {
    appId,
    sent,
    logins: () => logins,
    login(option) {
      logins++;
      loginCode(simulator, appId, user).then(
        (code) => option.success?.({ code, errMsg: 'login:ok' }),
        (error: Error) => option.fail?.({ errMsg: `login:fail ${error.message}`, errno: 1 }),
      );
    },
    request(option) {
      sent.push(String(option.data));
      fetch(option.url, {
        method: option.method ?? 'GET',
        // As wx.request: JSON unless the caller says otherwise, and the answer parsed as JSON by default.
        headers: { 'content-type': 'application/json', ...(option.header as Record<string, string> | undefined) },
        body: typeof option.data === 'string' ? option.data : JSON.stringify(option.data),
        signal: AbortSignal.timeout(option.timeout ?? 60_000),
      }).then(
        async (response) => {
          const text = await response.text();
          let data: string | WechatMiniprogram.IAnyObject = text;
          if ((option.dataType ?? 'json') === 'json') {
            try {
              data = JSON.parse(text) as WechatMiniprogram.IAnyObject;
            } catch {
              // wx.request hands over the raw text when it is not JSON
            }
          }
          option.success?.({ statusCode: response.status, data, header: Object.fromEntries(response.headers), cookies: [], errMsg: 'request:ok' } as never);
        },
        (error: Error) =>
          option.fail?.({ errMsg: error.name === 'TimeoutError' ? 'request:fail timeout' : `request:fail ${error.message}`, errno: 600001 } as never),
      );
    },
    getStorageSync: (key) => storage.get(key) ?? '',
    setStorageSync: (key, value) => void storage.set(key, value),
    removeStorageSync: (key) => void storage.delete(key),
    getEnterOptionsSync: () => enterOptions,
    navigateToMiniProgram(option) {
      const target = appOnPhone(option.appId!) as WxShim & { enter(options: WechatMiniprogram.LaunchOptionsApp): void };
      target.enter({ ...enterOptions, scene: 1037, referrerInfo: { appId, extraData: option.extraData ?? {} } });
      option.success?.({ errMsg: 'navigateToMiniProgram:ok' });
    },
    enter(options) {
      enterOptions = options;
    },
  };
}

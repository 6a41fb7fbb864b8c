/**
 * The platform mini-program's one configuration file: where the gateway is, and the apps of the demo
 * platform (platform/config/demo-platform.json).
 *
 * ENDPOINT is `npm start`'s gateway on this computer, which the WeChat DevTools simulator reaches. To try
 * the example on a phone on the same network, put this computer's LAN address here (e.g.
 * `http://192.168.1.20:4000/graphql`), start the platform with `HOST=0.0.0.0 npm start`, and turn on
 * "Do not verify valid domain names" (不校验合法域名) in DevTools' Details → Local settings (the example's
 * project.config.json sets `urlCheck: false`, the same switch). A real mini-program uses its HTTPS
 * domain, registered as a request domain in the WeChat console.
 */
import { createClient, type Client, type WxApi } from 'identity-federation-client';

export const ENDPOINT = 'http://127.0.0.1:4000/graphql';

/**
 * `npm start`'s WeChat simulator. DevTools' wx.login() returns codes only real WeChat can redeem, so
 * while the identity service talks to the simulator, the example asks the simulator for a login code of
 * SIMULATED_PERSON instead. Set it to '' once the identity service talks to real WeChat
 * (WECHAT_API_BASE, your AppID and secret in the platform config): then wx.login() is used, as in production.
 */
export const WECHAT_SIMULATOR = 'http://127.0.0.1:4010';
/** Who you are in the simulator: any name, one person per name. */
export const SIMULATED_PERSON = 'devtools-you';

export const APP_IDS = {
  platform: 'wx1000000000000001',
  acme: 'wx3000000000000001',
  bobs: 'wx4000000000000001',
} as const;

/** The platform app's client; `wx`, `endpoint` and `simulator` are parameters so the tests can run the same code. */
export function createPlatformClient(wxApi: WxApi, endpoint: string = ENDPOINT, simulator: string = WECHAT_SIMULATOR): Client {
  const appId = APP_IDS.platform;
  const loginCode = simulator ? () => simulatorLoginCode(wxApi, simulator, appId) : undefined;
  return createClient({ endpoint, appId, wx: wxApi, loginCode, merchantApps: { acme: APP_IDS.acme, bobs: APP_IDS.bobs } });
}

/** What wx.login() gives in `appId`, asked of the development WeChat simulator (POST /sim/login). */
export function simulatorLoginCode(wxApi: Pick<WxApi, 'request'>, simulator: string, appId: string): Promise<string> {
  return new Promise((resolve, reject) =>
    wxApi.request({
      url: `${simulator}/sim/login`,
      method: 'POST',
      data: { appId, user: SIMULATED_PERSON },
      success: (answer) => {
        const code = (answer.data as { code?: unknown } | undefined)?.code;
        if (typeof code === 'string') resolve(code);
        else reject(new Error(`the WeChat simulator at ${simulator} gave no code (HTTP ${answer.statusCode})`));
      },
      fail: (failure) => reject(new Error(`the WeChat simulator at ${simulator} is unreachable: ${failure.errMsg}`)),
    }),
  );
}

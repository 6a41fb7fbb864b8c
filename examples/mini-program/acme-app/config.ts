/**
 * ACME's mini-program's one configuration file (ACME builds and ships its app itself; see the example's
 * README for the endpoint on a phone and DevTools' domain switch).
 */
import { createClient, type Client, type WxApi } from 'identity-federation-client';

export const ENDPOINT = 'http://127.0.0.1:4000/graphql';
export const ACME_APP_ID = 'wx3000000000000001';
/** As in the platform app's config: `npm start`'s WeChat simulator, '' for real WeChat. */
export const WECHAT_SIMULATOR = 'http://127.0.0.1:4010';
/** Who you are in the simulator: the same name as in the platform app is the same person. */
export const SIMULATED_PERSON = 'devtools-you';

/** ACME's own mini-program's client. */
export function createAcmeClient(wxApi: WxApi, endpoint: string = ENDPOINT, simulator: string = WECHAT_SIMULATOR): Client {
  const loginCode = simulator ? () => simulatorLoginCode(wxApi, simulator) : undefined;
  return createClient({ endpoint, appId: ACME_APP_ID, wx: wxApi, loginCode });
}

/** What wx.login() gives in ACME's app, asked of the development WeChat simulator (POST /sim/login). */
function simulatorLoginCode(wxApi: Pick<WxApi, 'request'>, simulator: string): Promise<string> {
  return new Promise((resolve, reject) =>
    wxApi.request({
      url: `${simulator}/sim/login`,
      method: 'POST',
      data: { appId: ACME_APP_ID, user: SIMULATED_PERSON },
      success: (answer) => {
        const code = (answer.data as { code?: unknown } | undefined)?.code;
        if (typeof code === 'string') resolve(code);
        else reject(new Error(`the WeChat simulator at ${simulator} gave no code (HTTP ${answer.statusCode})`));
      },
      fail: (failure) => reject(new Error(`the WeChat simulator at ${simulator} is unreachable: ${failure.errMsg}`)),
    }),
  );
}

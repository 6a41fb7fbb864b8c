/** Where the example apps find the gateway, and the apps of the demo platform (platform/config/demo-platform.json). */
/// <reference types="miniprogram-api-typings" />
import { createClient, type Client, type WxApi } from './lib/client.js';

/** `npm start`'s gateway. A real mini-program uses its HTTPS domain (set in the WeChat console). */
export const ENDPOINT = 'http://127.0.0.1:4000/graphql';

export const APP_IDS = {
  platform: 'wx1000000000000001',
  acme: 'wx3000000000000001',
  bobs: 'wx4000000000000001',
} as const;

/** The platform app's client; `wx` and `endpoint` are parameters so the tests can run the same code. */
export function createPlatformClient(wxApi: WxApi, endpoint: string = ENDPOINT): Client {
  return createClient({ endpoint, appId: APP_IDS.platform, wx: wxApi, merchantApps: { acme: APP_IDS.acme, bobs: APP_IDS.bobs } });
}

/** ACME's own mini-program's client. */
export function createAcmeClient(wxApi: WxApi, endpoint: string = ENDPOINT): Client {
  return createClient({ endpoint, appId: APP_IDS.acme, wx: wxApi });
}

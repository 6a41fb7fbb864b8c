/**
 * The client in a Taro page, as the example's README shows it: Taro.request (promise style) as the
 * transport, Taro for login and storage. Taro here is a shim over the test phone's `wx`, answering as
 * @tarojs/taro does: request resolves with { statusCode, data, header } and rejects with { errMsg }.
 */
import { createClient, TransportError, type WxApi } from 'identity-federation-client';
import { MeDocument } from '../../examples/mini-program/generated/graphql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taroTransport, type TaroRequest } from '../../examples/mini-program/taro/taro-transport.js';
import { APPS, startSystem, type System } from '../support/system.js';
import { createPhone, type WxShim } from '../support/wx-shim.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

/** Taro's API over a phone's `wx`: the same calls, request as a promise. */
function taroOn(wx: WxShim): WxApi & { request: TaroRequest } {
  const request: TaroRequest = (option) =>
    new Promise((resolve, reject) =>
      wx.request({
        ...option,
        success: (answer) => resolve({ statusCode: answer.statusCode, data: answer.data }),
        fail: (failure) => reject({ errMsg: failure.errMsg }),
      }),
    );
  return Object.assign(Object.create(wx) as WxApi, { request });
}

describe('the client in a Taro page', () => {
  it('logs in with Taro.login and answers through Taro.request', async () => {
    const Taro = taroOn(createPhone(system.simulator, 'taro-tia').app(APPS.platform));
    const client = createClient({ endpoint: system.gatewayUrl, appId: APPS.platform, wx: Taro, transport: taroTransport(Taro.request) });
    const { data, errors } = await client.request(MeDocument);
    expect(errors).toBeUndefined();
    expect(data?.me?.id).toBe(client.session()?.userId);
  });

  it('turns a failed Taro.request into a TransportError of kind network', async () => {
    const Taro = taroOn(createPhone(system.simulator, 'taro-tom').app(APPS.platform));
    const error = await taroTransport(Taro.request)({ url: 'http://127.0.0.1:9/graphql', headers: {}, body: '{}', timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).kind).toBe('network');
  });
});

/** Transports: wx.request in the mini-program, fetch for tests, H5 and Node. */
/// <reference types="miniprogram-api-typings" />
import { TransportError } from './errors.js';
import type { Transport, WxApi } from './types.js';

/** POSTs with wx.request; WeChat's `fail` (errMsg) becomes a TransportError, "timeout" in errMsg a timeout. */
export function wxRequestTransport(wxApi: Pick<WxApi, 'request'>): Transport {
  return (request) =>
    new Promise((resolve, reject) => {
      wxApi.request({
        url: request.url,
        method: 'POST',
        header: request.headers,
        data: request.body,
        dataType: 'json',
        timeout: request.timeoutMs,
        success: (answer) => resolve({ status: answer.statusCode, body: answer.data }),
        fail: (failure) => reject(new TransportError(/timeout/i.test(failure.errMsg) ? 'timeout' : 'network', failure.errMsg)),
      });
    });
}

/** The part of the Fetch API the transport uses (global fetch in browsers and Node 18+). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{ status: number; text(): Promise<string> }>;

/** POSTs with fetch; a rejected fetch or a timeout becomes a TransportError. */
export function fetchTransport(fetchFn: FetchLike): Transport {
  return (request) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportError('timeout', `no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
      fetchFn(request.url, { method: 'POST', headers: request.headers, body: request.body })
        .then(async (response) => {
          const text = await response.text();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: the client reports it as an HTTP failure
          }
          resolve({ status: response.status, body });
        })
        .catch((error: Error) => reject(new TransportError('network', error.message)))
        .then(() => clearTimeout(timer));
    });
}

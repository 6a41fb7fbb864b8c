/**
 * The client in a Taro app: Taro.request (its promise style) as the transport. Taro mirrors the rest of
 * `wx` (login, storage, getEnterOptionsSync), so the client takes Taro for those too; see the example's
 * README for a Taro page using it.
 */
import { TransportError, type Transport } from 'identity-federation-client';

/** What the transport needs of `Taro.request` (@tarojs/taro): it resolves with the answer, rejects with `{ errMsg }`. */
export type TaroRequest = (option: {
  url: string;
  method: 'POST';
  header: Record<string, string>;
  data: string;
  dataType: 'json';
  timeout: number;
}) => Promise<{ statusCode: number; data: unknown }>;

/** POSTs with Taro.request; a failure (no HTTP answer) is a TransportError, "timeout" in its errMsg a timeout. */
export function taroTransport(request: TaroRequest): Transport {
  return ({ url, headers, body, timeoutMs }) =>
    request({ url, method: 'POST', header: headers, data: body, dataType: 'json', timeout: timeoutMs }).then(
      (answer) => ({ status: answer.statusCode, body: answer.data }),
      (failure: { errMsg?: string } | undefined) => {
        const message = (failure && failure.errMsg) || 'request:fail';
        throw new TransportError(/timeout/i.test(message) ? 'timeout' : 'network', message);
      },
    );
}

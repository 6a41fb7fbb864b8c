/** Socket transports for `subscribe`: wx.connectSocket in the mini-program, a standard WebSocket for tests, H5 and Node. */
/// <reference types="miniprogram-api-typings" />
import type { SocketTransport, WxApi } from './types.js';

/**
 * Opens sockets with wx.connectSocket. WeChat may report a failure as `fail`, `onError` and `onClose`
 * together: the client hears one close (1006 with WeChat's errMsg when the socket did not close cleanly).
 * @example createClient({ endpoint, appId, socket: wxSocketTransport(wx) }) // the default in a mini-program
 */
export function wxSocketTransport(wxApi: Required<Pick<WxApi, 'connectSocket'>>): SocketTransport {
  return (url, protocol, on) => {
    let closed = false;
    const close = (code: number, reason: string) => {
      if (!closed) on.close(code, reason);
      closed = true;
    };
    const task = wxApi.connectSocket({ url, protocols: [protocol], fail: (failure) => close(1006, failure.errMsg) });
    task.onOpen(() => on.open());
    task.onMessage((message) => typeof message.data === 'string' && on.message(message.data));
    task.onError((failure) => close(1006, failure.errMsg));
    task.onClose((event) => close(event.code, event.reason));
    return { send: (data) => task.send({ data }), close: (code, reason) => task.close({ code, reason }) };
  };
}

/**
 * The part of a standard WebSocket the transport uses (the browser's, Node 22's global, or the `ws`
 * package's). Handlers take `never` so any WebSocket's own event types fit.
 */
export interface WebSocketLike {
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * Opens sockets with a standard WebSocket class.
 * @example createClient({ endpoint, appId, transport: fetchTransport(fetch), socket: webSocketTransport(WebSocket) })
 */
export function webSocketTransport(WebSocketClass: new (url: string, protocol: string) => WebSocketLike): SocketTransport {
  return (url, protocol, on) => {
    const socket = new WebSocketClass(url, protocol);
    socket.onopen = () => on.open();
    socket.onmessage = (event: { data: unknown }) => typeof event.data === 'string' && on.message(event.data);
    // A close event always follows an error; without a handler some implementations (ws) would throw.
    socket.onerror = () => undefined;
    socket.onclose = (event: { code: number; reason: string }) => on.close(event.code, event.reason);
    return socket;
  };
}

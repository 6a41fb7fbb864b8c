/**
 * wx.connectSocket for tests: a SocketTask over a Node `ws` client, reporting as WeChat does (onOpen,
 * onMessage with `{ data }`, onError with `{ errMsg }`, onClose with `{ code, reason }`), refusing close
 * codes WeChat refuses, and holding at most five open sockets per mini-program as WeChat allows.
 */
/// <reference types="miniprogram-api-typings" />
import WebSocket from 'ws';

/** WeChat's limit of open sockets per mini-program. */
export const WX_MAX_SOCKETS = 5;

export interface WxSockets {
  connectSocket(option: WechatMiniprogram.ConnectSocketOption): WechatMiniprogram.SocketTask;
  /** How many sockets this app has asked for, and how many are open now. */
  connects(): number;
  open(): number;
  /** How each closed socket closed, in order. */
  closes: { code: number; reason: string }[];
}

/** `route` maps the URL the app asks for to where the test's server listens (a hosts entry). */
export function wxSockets(route: (url: string) => string = (url) => url): WxSockets {
  let connects = 0;
  const live = new Set<WebSocket>();
  const closes: { code: number; reason: string }[] = [];
  return {
    connects: () => connects,
    open: () => live.size,
    closes,
    connectSocket(option) {
      connects++;
      if (live.size >= WX_MAX_SOCKETS) {
        setImmediate(() => option.fail?.({ errMsg: 'connectSocket:fail exceed max task count', errno: 1 } as never));
        return inertTask();
      }
      const socket = new WebSocket(route(option.url), option.protocols ?? []);
      live.add(socket);
      socket.on('close', (code, reason) => {
        live.delete(socket);
        closes.push({ code, reason: reason.toString() });
      });
      // WeChat reports errors through onError only; an unheard `ws` error must not throw.
      socket.on('error', () => undefined);
      const failed = (callback: ((result: WechatMiniprogram.GeneralCallbackResult) => void) | undefined, errMsg: string) =>
        setImmediate(() => callback?.({ errMsg }));
      return {
        onOpen: (listener) => void socket.on('open', () => listener({ header: {}, profile: {} } as never)),
        onMessage: (listener) => void socket.on('message', (data, isBinary) => listener({ data: isBinary ? new ArrayBuffer(0) : String(data) })),
        onError: (listener) => void socket.on('error', (error) => listener({ errMsg: error.message } as never)),
        onClose: (listener) => void socket.on('close', (code, reason) => listener({ code, reason: reason.toString() })),
        send(send) {
          if (socket.readyState !== WebSocket.OPEN) {
            failed(send.fail, 'sendSocketMessage:fail WebSocket is not connected');
            return;
          }
          socket.send(send.data);
          setImmediate(() => send.success?.({ errMsg: 'sendSocketMessage:ok' }));
        },
        close(close) {
          // WeChat accepts 1000 or 3000-4999 only.
          if (close.code !== undefined && close.code !== 1000 && (close.code < 3000 || close.code > 4999)) failed(close.fail, 'closeSocket:fail invalid code');
          else socket.close(close.code, close.reason);
        },
      };
    },
  };
}

function inertTask(): WechatMiniprogram.SocketTask {
  const nothing = () => undefined;
  return { onOpen: nothing, onMessage: nothing, onError: nothing, onClose: nothing, send: nothing, close: nothing };
}

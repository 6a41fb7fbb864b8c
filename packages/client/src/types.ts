/** The shapes the client speaks: GraphQL results, documents, transports, storage and the wx APIs it uses. */
/// <reference types="miniprogram-api-typings" />
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import type { ErrorCode, UnauthenticatedReason } from './generated/error-codes.js';

/** One GraphQL error as the gateway sends it. */
export interface GraphQLErrorShape {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: {
    code?: ErrorCode | (string & {});
    reason?: UnauthenticatedReason | (string & {});
    merchantId?: string;
    [key: string]: unknown;
  };
}

/** What `client.request` resolves to: data (partial when some fields failed) and the errors, as sent. */
export interface GraphQLResult<TData> {
  data?: TData | null;
  errors?: GraphQLErrorShape[];
}

/**
 * A generated document (GraphQL Code Generator's TypedDocumentString): its text, its result and variable
 * types, and with persisted documents on, its hash in `__meta__.hash`.
 */
export interface TypedDocument<TResult, TVariables> extends DocumentTypeDecoration<TResult, TVariables> {
  toString(): string;
  __meta__?: { hash?: string; [key: string]: unknown };
}

/** The variables argument: optional when the operation has no required variables. */
export type VariablesArgs<TVariables> = Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

/** An HTTP POST of a JSON body. */
export interface TransportRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** The HTTP answer: status and the body, parsed as JSON where it is JSON. */
export interface TransportResponse {
  status: number;
  body: unknown;
}

/** Sends one request; rejects only with a TransportError (the request did not get an HTTP answer). */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Synchronous key-value storage, like wx.getStorageSync / wx.setStorageSync. */
export interface SessionStorage {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** The wx APIs the client uses (the real `wx` object fits; tests pass a shim). */
export interface WxApi {
  request(option: WechatMiniprogram.RequestOption): unknown;
  login(option: WechatMiniprogram.LoginOption): unknown;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, data: unknown): void;
  removeStorageSync(key: string): void;
  getEnterOptionsSync(): WechatMiniprogram.LaunchOptionsApp;
  /** Only `subscribe` uses it (a shim without it serves requests only). */
  connectSocket?(option: WechatMiniprogram.ConnectSocketOption): WechatMiniprogram.SocketTask;
}

/** What a socket reports. `close` comes once, also for a socket that never opened (code 1006). */
export interface SocketEvents {
  open(): void;
  /** A text frame. */
  message(data: string): void;
  close(code: number, reason: string): void;
}

/** A socket as `subscribe` uses it. */
export interface Socket {
  send(data: string): void;
  close(code: number, reason: string): void;
}

/** Opens a WebSocket to `url` with the subprotocol `protocol`, reporting to `on`. */
export type SocketTransport = (url: string, protocol: string, on: SocketEvents) => Socket;

/** How `subscribe` keeps its socket (`ClientOptions.subscriptions`). */
export interface SubscriptionOptions {
  /** The gateway's WebSocket URL. @default the endpoint with http(s) turned into ws(s) */
  url?: string;
  /** After this long without a message from the gateway, a protocol ping. @default 10000 */
  pingMs?: number;
  /** No answer this long after a ping: the socket is dead (a mini-program's socket dies silently in the background); reconnect. @default 5000 */
  pongTimeoutMs?: number;
  /** The socket closes after this long without a subscription. @default 3000 */
  idleMs?: number;
  /** The first reconnection delay; each failed attempt doubles it (with jitter). @default 1000 */
  retryMs?: number;
  /** The longest reconnection delay. @default 30000 */
  maxRetryMs?: number;
}

/**
 * Where a subscription's events go. After `error` or `complete` nothing more comes.
 * `error` gets an OperationError (the gateway refused the subscription: `errors` as sent), a
 * SocketClosedError (the gateway closed the socket for good, or refused the session again right after a
 * renewal) or a LoginError (logging in failed).
 */
export interface SubscriptionSinks<TResult> {
  next(result: GraphQLResult<TResult>): void;
  error(error: Error): void;
  complete?(): void;
}

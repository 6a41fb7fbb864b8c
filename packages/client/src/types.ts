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
}

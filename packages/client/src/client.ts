/**
 * createClient: typed requests to the gateway with the session handled for you. The first request logs
 * in (wx.login() + login); a request refused because the access token expired or was rejected is retried
 * once after one shared refresh; a dead refresh token means a clean new login. Documents travel as their
 * sha256 hash, with the text only when the gateway asks for it. Subscriptions (subscriptions.ts) reach the
 * same session and document rules through `clientInternals`, so an app that never subscribes carries none
 * of their code.
 */
/// <reference types="miniprogram-api-typings" />
import { LoginError, TransportError } from './errors.js';
import type { UnauthenticatedReason } from './generated/error-codes.js';
import { CreateLinkNonceDocument, LogoutDocument, StartOfficialAccountBridgeDocument } from './generated/graphql.js';
import { SessionManager, type StoredSession } from './session.js';
import { wxStorage } from './storage.js';
import { wxRequestTransport } from './transports.js';
import type {
  GraphQLErrorShape,
  GraphQLResult,
  SessionStorage,
  SocketTransport,
  SubscriptionOptions,
  Transport,
  TypedDocument,
  VariablesArgs,
  WxApi,
} from './types.js';

export interface ClientOptions {
  /** The gateway's GraphQL endpoint, e.g. https://api.example.com/graphql. */
  endpoint: string;
  /** This mini-program's appId (the one wx.login() codes are made in). */
  appId: string;
  /** The wx API. @default the global `wx` */
  wx?: WxApi;
  /** @default wx.request */
  transport?: Transport;
  /** How `subscribe` opens its socket. @default wx.connectSocket */
  socket?: SocketTransport;
  /** The subscription socket's URL, keep-alive, idle close and reconnection delays. */
  subscriptions?: SubscriptionOptions;
  /** @default wx.getStorageSync / setStorageSync */
  storage?: SessionStorage;
  /** Where a wx.login() code comes from. @default wx.login() */
  loginCode?: () => Promise<string>;
  /** Platform app: each merchant's mini-program appId, for prepareHandoff(). */
  merchantApps?: { [merchantId: string]: string };
  /** Send generated documents by hash (the gateway's persisted documents). @default true */
  persistedDocuments?: boolean;
  /** Per request; also how long a new subscription socket may take to be acknowledged. @default 10000 */
  timeoutMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** What to pass to wx.navigateToMiniProgram to hand the person over to a merchant's app for linking. */
export interface Handoff {
  appId: string;
  extraData: { linkNonce: string };
}

export interface Client {
  /** Runs a generated document. Resolves to { data, errors } (partial data kept); rejects only on transport failure or failed login. */
  request<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...variables: VariablesArgs<TVariables>): Promise<GraphQLResult<TResult>>;
  /** The stored session's user and expiry, without tokens; undefined before the first login. */
  session(): { userId: string; expiresAt: number } | undefined;
  /** Ends the session on the server and forgets it here. */
  logout(): Promise<void>;
  /** Platform app: a link nonce for `merchantId`, ready for wx.navigateToMiniProgram. */
  prepareHandoff(merchantId: string): Promise<Handoff>;
  /** Merchant app: logs in with the link nonce the platform app handed over, if the app was opened with one. True if it did. */
  loginFromHandoff(): Promise<boolean>;
  /** The URL to open in a web-view to run the official-account bridge. */
  startBridge(): Promise<string>;
}

/** An operation the client runs for you (prepareHandoff, startBridge) answered with errors, or the gateway refused a subscription. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  constructor(readonly errors: NonNullable<GraphQLResult<unknown>['errors']>) {
    super(errors.length ? errors[0]!.message : 'the operation failed');
  }
}

const REFRESHABLE: UnauthenticatedReason[] = ['TOKEN_EXPIRED', 'TOKEN_INVALID'];
const REVOKED: UnauthenticatedReason = 'SESSION_REVOKED';
const RESEND_WITH_TEXT = ['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'];

/** A GraphQL request body: a document's hash (Apollo's persistedQuery extension) or its text, never both. */
export interface RequestPayload {
  query?: string;
  variables: unknown;
  extensions?: { persistedQuery: { version: 1; sha256Hash: string } };
}

/** A document as sending it needs it: its text and its hash, whatever its result and variables. */
export type SentDocument = Pick<TypedDocument<unknown, unknown>, 'toString' | '__meta__'>;

/** What `subscribe` needs of a client beyond its public methods. */
export interface ClientInternals {
  options: ClientOptions;
  wx: WxApi | undefined;
  sessions: SessionManager;
  /** How to send `document` now: by hash unless this gateway does not know it. */
  payload(document: SentDocument, variables: unknown): RequestPayload;
  /** The payload to send again after `sent` was answered with `errors`, when they ask for the other form. */
  resend(document: SentDocument, variables: unknown, sent: RequestPayload, errors: GraphQLErrorShape[] | undefined): RequestPayload | undefined;
}

/** Each client's internals, for `subscribe` (kept off the client object: plugin state lives in a WeakMap). */
export const clientInternals = new WeakMap<Client, ClientInternals>();

export function createClient(options: ClientOptions): Client {
  const wxApi = options.wx || (typeof wx !== 'undefined' ? wx : undefined);
  const need = (what: string): WxApi => {
    if (!wxApi) throw new Error(`createClient: no wx API for ${what}; pass options.wx or options.${what}`);
    return wxApi;
  };
  const transport = options.transport || wxRequestTransport(need('transport'));
  const storage = options.storage || wxStorage(need('storage'));
  const loginCode = options.loginCode || (() => wxLoginCode(need('loginCode')));
  const timeoutMs = options.timeoutMs || 10_000;
  const sendHashes = options.persistedDocuments !== false;
  const storageKey = `identity-federation:session:${options.appId}`;

  async function post(payload: object, accessToken: string | undefined): Promise<GraphQLResult<never>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (accessToken) headers.authorization = `Bearer ${accessToken}`;
    const answer = await transport({ url: options.endpoint, headers, body: JSON.stringify(payload), timeoutMs });
    const body = answer.body;
    if (body === null || typeof body !== 'object' || !('data' in body || 'errors' in body)) {
      throw new TransportError('http', `the gateway answered HTTP ${answer.status} without a GraphQL response`, answer.status);
    }
    return body as GraphQLResult<never>;
  }

  /**
   * Hashes this gateway does not know (it has no manifest with them): their documents go as text from
   * then on. The text goes alone, never with the hash: GraphQL Code Generator hashes a canonical print of
   * the document, not the text it embeds, and the gateway refuses a hash that is not the text's own.
   */
  const unknownHashes = new Set<string>();
  const hashOf = (document: SentDocument) => (sendHashes && document.__meta__ ? document.__meta__.hash : undefined);

  const payload: ClientInternals['payload'] = (document, variables) => {
    const hash = hashOf(document);
    return hash && !unknownHashes.has(hash)
      ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }
      : { query: document.toString(), variables };
  };

  const resend: ClientInternals['resend'] = (document, variables, sent, errors) => {
    const hash = hashOf(document);
    if (!hash) return undefined;
    if (sent.query === undefined && RESEND_WITH_TEXT.some((code) => hasCode(errors, code))) unknownHashes.add(hash);
    // A gateway that runs only its manifest now (redeployed with one): back to the hash.
    else if (sent.query !== undefined && hasCode(errors, 'PERSISTED_QUERY_ID_REQUIRED')) unknownHashes.delete(hash);
    else return undefined;
    return payload(document, variables);
  };

  /** One execution: by hash when the document has one, as text when the gateway does not know the hash (at most two switches). */
  async function execute<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    variables: TVariables,
    accessToken?: string,
    sent = payload(document, variables),
    switches = 0,
  ): Promise<GraphQLResult<TResult>> {
    const result = await post(sent, accessToken);
    const again = switches < 2 ? resend(document, variables, sent, result.errors) : undefined;
    return again ? execute(document, variables, accessToken, again, switches + 1) : result;
  }

  const sessions = new SessionManager({
    appId: options.appId,
    storage,
    storageKey,
    send: (document, variables) => execute(document, variables),
    loginCode,
    now: options.now || Date.now,
  });

  async function request<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, ...args: VariablesArgs<TVariables>) {
    const variables = args[0] as TVariables;
    const session: StoredSession = await sessions.get();
    const first = await execute(document, variables, session.accessToken);
    if (hasReason(first, REVOKED)) {
      // Ended elsewhere (logout on another device, an operator, an unlink, an erasure): log in again and
      // retry once; a second refusal is the answer (never a loop).
      const fresh = await sessions.relogin(session);
      return execute(document, variables, fresh.accessToken);
    }
    if (!isRefreshable(first)) return first;
    // The token expired or was refused: renew (shared with every request that failed alike) and retry once.
    const renewed = await sessions.renew(session);
    return execute(document, variables, renewed.accessToken);
  }

  async function succeed<TResult>(result: GraphQLResult<TResult>): Promise<TResult> {
    if (!result.data) throw new OperationError(result.errors || []);
    return result.data;
  }

  const client: Client = {
    request,
    session: () => {
      const stored = sessions.peek();
      return stored && { userId: stored.userId, expiresAt: stored.expiresAt };
    },
    async logout() {
      const stored = sessions.peek();
      sessions.clear();
      if (stored) await execute(LogoutDocument, { refreshToken: stored.refreshToken });
    },
    async prepareHandoff(merchantId) {
      const appId = options.merchantApps && options.merchantApps[merchantId];
      if (!appId) throw new Error(`prepareHandoff: no appId for merchant "${merchantId}" in options.merchantApps`);
      const data = await succeed(await request(CreateLinkNonceDocument, { merchantId }));
      return { appId, extraData: { linkNonce: data.createLinkNonce.nonce } };
    },
    async loginFromHandoff() {
      const referrer = need('loginFromHandoff').getEnterOptionsSync().referrerInfo;
      const extraData = referrer && (referrer.extraData as { linkNonce?: unknown } | undefined);
      const nonce = extraData && typeof extraData.linkNonce === 'string' ? extraData.linkNonce : undefined;
      // A nonce works once; the enter options still hold it when the app shows again.
      const usedKey = `${storageKey}:handoff`;
      if (!nonce || storage.get(usedKey) === nonce) return false;
      storage.set(usedKey, nonce);
      sessions.clear();
      await sessions.login(nonce);
      return true;
    },
    async startBridge() {
      return (await succeed(await request(StartOfficialAccountBridgeDocument))).startOfficialAccountBridge.url;
    },
  };
  clientInternals.set(client, { options, wx: wxApi, sessions, payload, resend });
  return client;
}

function hasCode(errors: GraphQLErrorShape[] | undefined, code: string): boolean {
  return (errors || []).some((error) => !!error.extensions && error.extensions.code === code);
}

function isRefreshable(result: GraphQLResult<unknown>): boolean {
  return REFRESHABLE.some((reason) => hasReason(result, reason));
}

/** Whether the gateway refused the request as UNAUTHENTICATED for `reason`. */
function hasReason(result: GraphQLResult<unknown>, reason: UnauthenticatedReason): boolean {
  return (result.errors || []).some((error) => !!error.extensions && error.extensions.code === 'UNAUTHENTICATED' && error.extensions.reason === reason);
}

function wxLoginCode(wxApi: WxApi): Promise<string> {
  return new Promise((resolve, reject) => {
    wxApi.login({
      success: (answer) => (answer.code ? resolve(answer.code) : reject(new LoginError('WX_LOGIN_FAILED', 'wx.login() gave no code'))),
      fail: (failure) => reject(new LoginError('WX_LOGIN_FAILED', failure.errMsg)),
    });
  });
}

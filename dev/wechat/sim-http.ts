/** The simulator's tiny HTTP vocabulary: a parsed request in, a reply out. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body for POSTs (an empty object when there is none). */
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type SimHandler = (req: SimRequest) => SimReply;

/** WeChat answers errors with HTTP 200 and an errcode. */
export const wechatError = (errcode: number, errmsg: string): SimReply => ({ status: 200, body: { errcode, errmsg } });

export const ok = (body: unknown): SimReply => ({ status: 200, body });

/** For the /sim control API: ordinary HTTP errors. */
export const badRequest = (message: string): SimReply => ({ status: 400, body: { error: message } });

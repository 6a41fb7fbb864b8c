/**
 * How the gateway talks to subgraphs: HTTP/1.1 keep-alive connection pools (undici) instead of a new
 * fetch stack per request, and deduplication of identical in-flight queries. Two fetches are merged only
 * when URL, body and dedupe key (what their identity asserts) are identical, so one viewer's answer never
 * reaches another; fetches without a key (mutations, and in practice every fetch carrying a viewer) never are.
 */
import { Agent, request } from 'undici';

/** The part of a fetch Response the Apollo data source reads. */
export interface SubgraphResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface SubgraphTransportOptions {
  /** Connections per subgraph origin. @default 128 */
  connections?: number;
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
  /** Merge identical concurrent queries. @default true */
  dedupe?: boolean;
}

class BufferedResponse implements SubgraphResponse {
  constructor(
    readonly url: string,
    readonly status: number,
    private readonly rawHeaders: Record<string, string | string[] | undefined>,
    private readonly body: string,
  ) {}
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  get statusText() {
    return String(this.status);
  }
  readonly headers = {
    get: (name: string): string | null => {
      const value = this.rawHeaders[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
  async text() {
    return this.body;
  }
  async json() {
    return JSON.parse(this.body) as unknown;
  }
}

/**
 * Internal: set by the data source on queries that may be merged, to what their identity asserts. The
 * fetcher removes it; it never leaves the gateway. Absent (mutations, health checks): never merged.
 */
export const DEDUPE_KEY_HEADER = 'x-gateway-dedupe-key';

export class SubgraphTransport {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly dedupe: boolean;
  private readonly inFlight = new Map<string, Promise<BufferedResponse>>();
  /** Fetches answered by joining an identical one already in flight (for metrics and the benchmark). */
  deduplicated = 0;

  constructor(options: SubgraphTransportOptions = {}) {
    this.agent = new Agent({ connections: options.connections ?? 128, keepAliveTimeout: 30_000, pipelining: 1 });
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.dedupe = options.dedupe ?? true;
  }

  /** A fetch-compatible function for Apollo's data source (it reads ok, status, headers.get, json, text). */
  readonly fetcher = (url: string, init: { headers?: Record<string, string>; body?: string }): Promise<SubgraphResponse> => {
    const { [DEDUPE_KEY_HEADER]: identityKey, ...headers } = init.headers ?? {};
    return this.post(url, headers, init.body ?? '', identityKey);
  };

  /**
   * POSTs a GraphQL request. `identityKey` is what the request's identity asserts (without per-request
   * ids or times); only requests with equal keys may share one fetch, and none without a key.
   */
  post(url: string, headers: Record<string, string>, body: string, identityKey: string | undefined): Promise<SubgraphResponse> {
    if (!this.dedupe || identityKey === undefined) return this.send(url, headers, body);
    const key = `${url}\n${identityKey}\n${body}`;
    const pending = this.inFlight.get(key);
    if (pending) {
      this.deduplicated++;
      return pending;
    }
    const sending = this.send(url, headers, body).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, sending);
    return sending;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async send(url: string, headers: Record<string, string>, body: string): Promise<BufferedResponse> {
    const response = await request(url, {
      method: 'POST',
      headers,
      body,
      dispatcher: this.agent,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    return new BufferedResponse(url, response.statusCode, response.headers, await response.body.text());
  }
}

/**
 * How the gateway talks to subgraphs: HTTP/1.1 keep-alive connection pools (undici) instead of a new
 * fetch stack per request, and deduplication of identical in-flight queries. Two fetches are merged only
 * when URL, body and dedupe key (what their identity asserts) are identical, so one viewer's answer never
 * reaches another; fetches without a key (mutations, and every fetch carrying a viewer) never are.
 */
import { Agent, request } from 'undici';

/** A subgraph's answer, read whole. Merged fetches share one; callers must not mutate it. */
export interface SubgraphAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface SubgraphTransportOptions {
  /** Connections per subgraph origin. @default 128 */
  connections?: number;
  /** Default time for a whole subgraph answer. @default 5000 */
  timeoutMs?: number;
  /** Merge identical concurrent queries. @default true */
  dedupe?: boolean;
}

export class SubgraphTransport {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly timeoutsByUrl = new Map<string, number>();
  private readonly dedupe: boolean;
  private readonly inFlight = new Map<string, Promise<SubgraphAnswer>>();
  /** Fetches answered by joining an identical one already in flight (for metrics and the benchmark). */
  deduplicated = 0;
  /** Fetches actually sent. */
  sent = 0;

  constructor(options: SubgraphTransportOptions = {}) {
    this.agent = new Agent({ connections: options.connections ?? 128, keepAliveTimeout: 30_000, pipelining: 1 });
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.dedupe = options.dedupe ?? true;
  }

  /**
   * POSTs a GraphQL request. `identityKey` is what the request's identity asserts (without per-request
   * ids or times); only requests with equal keys may share one fetch, and none without a key.
   */
  post(url: string, headers: Record<string, string>, body: string, identityKey: string | undefined): Promise<SubgraphAnswer> {
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

  /** Gives fetches to `url` their own time instead of the default (a subgraph known to be slower, or faster). */
  setTimeout(url: string, timeoutMs: number): void {
    this.timeoutsByUrl.set(url, timeoutMs);
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** One POST, answered whole (headers and body together) within the timeout or rejected. */
  private async send(url: string, headers: Record<string, string>, body: string): Promise<SubgraphAnswer> {
    this.sent++;
    const signal = AbortSignal.timeout(this.timeoutsByUrl.get(url) ?? this.timeoutMs);
    const response = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, signal });
    return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
  }
}

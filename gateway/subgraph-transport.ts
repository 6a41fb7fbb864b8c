/**
 * How the gateway talks to subgraphs: HTTP/1.1 keep-alive connection pools (undici) instead of a new
 * fetch stack per request, and deduplication of identical in-flight queries. Two fetches are merged only
 * when URL, body and dedupe key (what their identity asserts) are identical, so one viewer's answer never
 * reaches another; fetches without a key (mutations, and every fetch carrying a viewer) never are.
 */
import { Agent, type Dispatcher } from 'undici';
import type { ErrorCode } from '../platform/errors.js';

/** A subgraph's answer, read whole. Merged fetches share one; callers must not mutate it. */
export interface SubgraphAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** Time a subgraph has for one whole answer unless configured otherwise (SUBGRAPH_TIMEOUT_MS). */
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 5000;

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
  /** Origin and path by subgraph URL (a handful of URLs, fixed by the supergraph). */
  private readonly targets = new Map<string, { origin: string; path: string }>();
  /** Fetches answered by joining an identical one already in flight (for metrics and the benchmark). */
  deduplicated = 0;
  /** Fetches actually sent. */
  sent = 0;

  constructor(options: SubgraphTransportOptions = {}) {
    this.agent = new Agent({ connections: options.connections ?? 128, keepAliveTimeout: 30_000, pipelining: 1 });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SUBGRAPH_TIMEOUT_MS;
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

  /**
   * One POST, answered whole (headers and body together) within the timeout or rejected. It dispatches
   * with a handler that collects the body's chunks, instead of undici's `request()` (a body stream, and an
   * AbortSignal with its own timer per fetch): ~5% of the gateway's CPU at twelve fetches per request.
   */
  private send(url: string, headers: Record<string, string>, body: string): Promise<SubgraphAnswer> {
    this.sent++;
    const { origin, path } = this.target(url);
    const timeoutMs = this.timeoutsByUrl.get(url) ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let settled = false;
      let status = 0;
      let responseHeaders: SubgraphAnswer['headers'] = {};
      const chunks: Buffer[] = [];
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const timer = setTimeout(() => {
        const error = new SubgraphTimeoutError(timeoutMs);
        fail(error);
        controller?.abort(error);
      }, timeoutMs);
      try {
        this.agent.dispatch(
          { origin, path, method: 'POST', headers, body },
          {
            onRequestStart: (started) => {
              controller = started;
              if (settled) started.abort(new SubgraphTimeoutError(timeoutMs));
            },
            onResponseStart: (_controller, statusCode, answerHeaders) => {
              status = statusCode;
              responseHeaders = answerHeaders;
            },
            onResponseData: (_controller, chunk) => void chunks.push(chunk),
            onResponseEnd: () => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              const text = chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString();
              resolve({ status, headers: responseHeaders, body: text });
            },
            onResponseError: (_controller, error) => fail(error),
          },
        );
      } catch (error) {
        fail(error as Error);
      }
    });
  }

  /** A URL's origin and path, parsed once per subgraph URL. */
  private target(url: string): { origin: string; path: string } {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      this.targets.set(url, (target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }));
    }
    return target;
  }
}

/** A subgraph gave no whole answer within the transport's timeout (its fields answer SUBGRAPH_UNAVAILABLE). */
export class SubgraphTimeoutError extends Error {
  readonly code: ErrorCode = 'SUBGRAPH_UNAVAILABLE';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

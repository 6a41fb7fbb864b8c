/**
 * The HTTP edge every service shares: a Node request becomes Apollo's typed HTTPGraphQLRequest once,
 * the context is built from it, and Apollo's answer is written back. Extra routes (JWKS, health,
 * metrics, web pages) sit beside /graphql. Nothing past this file touches Node's HTTP objects.
 */
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { CONNECTION_HEADER, CONTENT_TYPE_HEADER, REQUEST_ID_HEADER } from './headers.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { HttpError } from './http-error.js';
import type { RawRoute } from './raw-route.js';
import { requestIdOf } from './request-id.js';

/** What the context builder sees of a request. */
export interface GraphQLHttpRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body of a POST, undefined for GET. */
  body: unknown;
  /** The body's text exactly as received (what signatures over the body are checked against). */
  rawBody: string | undefined;
  search: string;
  /** The client's `x-request-id` when well-formed, else a fresh UUID; returned on the answer. */
  requestId: string;
  /** The TCP peer's address (a proxy's, when behind one). */
  remoteAddress: string;
}

export interface GraphQLHttpServerOptions<TContext extends BaseContext> {
  /** Executes GraphQL requests (with `context`), and is stopped when the server closes. */
  apollo: ApolloServer<TContext>;
  /** Builds the typed context; throw HttpError to answer without executing. */
  context?(req: GraphQLHttpRequest): Promise<TContext>;
  /**
   * Answers each GraphQL request itself instead of `context` + `apollo` (the gateway's request pipeline,
   * which ends in `apollo`); throw HttpError to answer with that error.
   */
  handle?(req: GraphQLHttpRequest): Promise<HTTPGraphQLResponse>;
  host?: string;
  port?: number;
  /** @default "/graphql" */
  path?: string;
  routes?: RawRoute[];
  /** Largest accepted body. @default 1 MiB */
  maxBodyBytes?: number;
  /** Called for failures outside GraphQL execution (never shown to clients). */
  onError?(error: unknown, requestId: string): void;
  /** Traces each request. @default no tracing */
  serverSpan?: ServerSpan;
  /** What /readyz checks (GET /healthz and /readyz are always served). */
  readiness?: ReadinessCheck[];
  /** Takes WebSocket upgrades on the GraphQL path (GraphQL subscriptions). @default upgrades are refused (404) */
  sockets?: SocketEndpoint;
}

/** Where WebSocket upgrades of the GraphQL path go: the server hands each over, and closes them all when it stops. */
export interface SocketEndpoint {
  /** Takes over an upgrade request for the GraphQL path (its socket is now the endpoint's). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The server is stopping: close every socket (going away), so clients reconnect to another instance. */
  close(): Promise<void>;
}

/** How a server stops: readiness goes 503 at once; in-flight requests finish, within bounds. */
export interface ShutdownOptions {
  /** Keep accepting requests this long after readiness went 503, so load balancers stop sending first. @default 0 */
  delayMs?: number;
  /** Then wait this long at most for in-flight requests before closing their connections. @default 10000 */
  timeoutMs?: number;
}

/** Runs `handle` inside a server span continuing the request's trace (e.g. OpenTelemetry with W3C `traceparent`). */
export type ServerSpan = (headers: IncomingHttpHeaders, name: string, res: ServerResponse, handle: () => void) => void;

const runWithoutSpan: ServerSpan = (_headers, _name, _res, handle) => handle();

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  close(shutdown?: ShutdownOptions): Promise<void>;
}

export async function startGraphQLHttpServer<TContext extends BaseContext>(options: GraphQLHttpServerOptions<TContext>): Promise<RunningHttpServer> {
  const { context, handle } = options;
  if (!context === !handle) throw new Error('startGraphQLHttpServer takes either `context` or `handle`');
  const graphqlPath = options.path ?? '/graphql';
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  let draining = false;
  const allRoutes = [...(options.routes ?? []), ...healthRoutes(options.readiness ?? [], () => draining)];
  const routes = new Map(allRoutes.map((r) => [`${r.method} ${r.path}`, r]));
  const serverSpan = options.serverSpan ?? runWithoutSpan;

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) => {
    if (req.method === 'POST' && !isJsonContentType(req.headers[CONTENT_TYPE_HEADER])) {
      // GraphQL over HTTP: a POST body is application/json; anything else is an unsupported media type.
      throw new HttpError(415, 'BAD_REQUEST', 'A GraphQL POST body must be application/json');
    }
    const { text: rawBody, parsed: body } = req.method === 'POST' ? await readRequestBody(req, maxBody) : { text: undefined, parsed: undefined };
    const typed: GraphQLHttpRequest = {
      method: req.method ?? 'GET',
      headers: req.headers,
      body,
      rawBody,
      search: url.search,
      requestId,
      remoteAddress: req.socket.remoteAddress ?? '',
    };
    const response = handle ? await handle(typed) : await execute(typed);
    const outHeaders: Record<string, string> = {};
    for (const [name, value] of response.headers) outHeaders[name] = value;
    res.writeHead(response.status ?? 200, outHeaders);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const execute = async (typed: GraphQLHttpRequest) => {
    const contextValue = await context!(typed);
    return options.apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: apolloRequestOf(typed), context: async () => contextValue });
  };

  const server = createServer((req, res) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    // Set before any route writes, so every answer (errors and 404s included) names its request.
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // While draining, every answer closes its connection, so keep-alive clients reconnect elsewhere.
    if (draining) res.shouldKeepAlive = false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes.get(`${req.method} ${url.pathname}`);
    const answerError = (error: unknown) => {
      if (error instanceof HttpError) {
        // The unread rest of a refused body would be parsed as the next request: close instead of reading it.
        if (error.status === 413 || !req.complete) res.setHeader(CONNECTION_HEADER, 'close');
        if (!res.headersSent) res.writeHead(error.status, { ...error.headers, 'content-type': 'application/json' });
        res.end(error.body());
        return;
      }
      options.onError?.(error, requestId);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error').body());
    };
    serverSpan(req.headers, `${req.method} ${url.pathname}`, res, () => {
      const work = route ? route.handle(req, res, url) : url.pathname === graphqlPath ? handleGraphQL(req, res, url, requestId) : notFound(res);
      void Promise.resolve(work).catch((error: unknown) => answerError(error));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== graphqlPath || !options.sockets) return refuseUpgrade(socket, 404, 'Not Found');
    if (draining) return refuseUpgrade(socket, 503, 'Service Unavailable');
    options.sockets.upgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}${graphqlPath}`,
    port,
    close: async ({ delayMs = 0, timeoutMs = 10_000 }: ShutdownOptions = {}) => {
      draining = true;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      // Sockets never finish on their own: they are closed (clients reconnect elsewhere) before the wait.
      await options.sockets?.close();
      // close() stops accepting and resolves once every connection has ended: in-flight requests finish.
      // Connections whose request finishes meanwhile become idle; the sweep closes them too.
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      await options.apollo.stop();
    },
  };
}

/** Apollo's view of a request: its headers as a HeaderMap (repeated headers joined). */
export function apolloRequestOf(request: GraphQLHttpRequest, body: unknown = request.body, search = request.search): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { method: request.method, headers, search, body };
}

function isJsonContentType(value: string | undefined): boolean {
  const mediaType = value?.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** Answers an upgrade request it will not take with a plain HTTP status, and closes the connection. */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'not found' }));
}

/** Reads a body and parses it if JSON; malformed JSON or an oversized body is the client's error (400 / 413). */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<{ text: string | undefined; parsed: unknown }> {
  // Listeners, not `for await`: the stream's async iterator costs a promise per chunk and one per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // The rest is left unread: the answer closes the connection (answerError), so it is never parsed as a request.
      req.pause();
      settle(() => reject(new HttpError(413, 'BAD_REQUEST', `Request body is larger than ${maxBytes} bytes`)));
    };
    const onEnd = () => settle(() => (size === 0 ? resolve({ text: undefined, parsed: undefined }) : parseBody(req, chunks, resolve, reject)));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () => settle(() => reject(new Error('the request closed before its body ended')));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function parseBody(
  req: IncomingMessage,
  chunks: Buffer[],
  resolve: (body: { text: string; parsed: unknown }) => void,
  reject: (error: HttpError) => void,
): void {
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  const contentType = String(req.headers['content-type'] ?? '');
  if (!contentType.includes('json')) return resolve({ text, parsed: text });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return reject(new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON'));
  }
  resolve({ text, parsed });
}

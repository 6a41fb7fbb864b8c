/**
 * A bare graphql-transport-ws client for tests: every message and the close code are visible, and
 * nothing is retried, so a test can see exactly what the gateway sent and when it closed.
 */
import WebSocket from 'ws';

export interface SocketMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface ResultPayload {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface GraphQLSocket {
  readonly ws: WebSocket;
  /** Every message received, in order. */
  readonly messages: SocketMessage[];
  /** Resolves with the close code and reason once the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Sends a `subscribe` message. */
  subscribe(id: string, payload: Record<string, unknown>): void;
  complete(id: string): void;
  send(message: unknown): void;
  /** The `next` payloads for `id` so far. */
  results(id: string): ResultPayload[];
  /** The `error` payload for `id`, if one came. */
  error(id: string): ResultPayload['errors'] | undefined;
  completed(id: string): boolean;
  /** Waits until `condition` holds over the messages (polled), or fails naming `what`. */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

export interface OpenOptions {
  /** The `connection_init` payload; null: send none at all. @default {} */
  init?: Record<string, unknown> | null;
  /** Wait for `connection_ack` before resolving. @default true */
  awaitAck?: boolean;
  /** Answer the gateway's WebSocket pings. @default true */
  autoPong?: boolean;
  headers?: Record<string, string>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Opens a socket to `httpUrl`'s GraphQL path (http → ws), initialises it, and waits for the ack. */
export async function openGraphQLSocket(httpUrl: string, options: OpenOptions = {}): Promise<GraphQLSocket> {
  const url = httpUrl.replace(/^http/, 'ws');
  const ws = new WebSocket(url, 'graphql-transport-ws', { autoPong: options.autoPong ?? true, headers: options.headers });
  const messages: SocketMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as SocketMessage));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => {});
  const until = async (condition: () => boolean, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(messages).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const send = (message: unknown) => ws.send(JSON.stringify(message));
  if (options.init !== null) send({ type: 'connection_init', payload: options.init ?? {} });
  const socket: GraphQLSocket = {
    ws,
    messages,
    closed,
    subscribe: (id, payload) => send({ id, type: 'subscribe', payload }),
    complete: (id) => send({ id, type: 'complete' }),
    send,
    results: (id) => messages.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload as ResultPayload),
    error: (id) => messages.find((m) => m.id === id && m.type === 'error')?.payload as ResultPayload['errors'],
    completed: (id) => messages.some((m) => m.id === id && m.type === 'complete'),
    until,
    close: () => ws.close(),
  };
  if (options.init !== null && options.awaitAck !== false) {
    await Promise.race([
      until(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack'),
      closed.then(({ code, reason }) => {
        throw new Error(`closed before connection_ack: ${code} ${reason}`);
      }),
    ]);
  }
  return socket;
}

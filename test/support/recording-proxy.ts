/**
 * A pass-through HTTP proxy placed between the gateway and a subgraph in tests: it records every
 * request's headers and body (what the subgraph received) and forwards it untouched. WebSocket upgrades
 * (subscriptions) are relayed too, message for message, and what the gateway sent on each is recorded.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** One socket the gateway opened to the subgraph: its upgrade headers and the text messages it sent, in order. */
export interface RecordedSocket {
  headers: IncomingHttpHeaders;
  messages: string[];
  /** Cuts the socket on both sides at once, as a network fault would. */
  cut(): void;
}

export interface RecordedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RecordingProxy {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly sockets: RecordedSocket[];
  /** Holds every request this long before forwarding it (a slow subgraph). */
  delayMs: number;
  /** Headers set on every answer from now on (e.g. the subgraph's Cache-Control). */
  answerHeaders: Record<string, string>;
  /** Forwards to another URL from now on (a restarted subgraph on a new port), keeping this proxy's own URL. */
  retarget(target: string): void;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  let upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ headers: req.headers, body: body.toString('utf8') });
    if (proxy.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, proxy.delayMs));
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...proxy.answerHeaders });
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    forward.end(body);
  });
  const sockets: RecordedSocket[] = [];
  const relay = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] ?? false });
  server.on('upgrade', (req, duplex, head) => {
    relay.handleUpgrade(req, duplex, head, (downstream) => {
      const url = new URL(upstream);
      url.protocol = 'ws:';
      const upstreamSocket = new WebSocket(url, downstream.protocol || undefined);
      const recorded: RecordedSocket = {
        headers: req.headers,
        messages: [],
        cut: () => {
          downstream.terminate();
          upstreamSocket.terminate();
        },
      };
      sockets.push(recorded);
      const pending: string[] = [];
      downstream.on('message', (data) => {
        const text = data.toString();
        recorded.messages.push(text);
        if (upstreamSocket.readyState === WebSocket.OPEN) upstreamSocket.send(text);
        else pending.push(text);
      });
      upstreamSocket.on('open', () => {
        for (const text of pending.splice(0)) upstreamSocket.send(text);
      });
      upstreamSocket.on('message', (data) => downstream.readyState === WebSocket.OPEN && downstream.send(data.toString()));
      const closeCode = (code: number) => (code === 1005 || code === 1006 ? 1011 : code);
      upstreamSocket.on('close', (code, reason) => downstream.readyState === WebSocket.OPEN && downstream.close(closeCode(code), reason));
      downstream.on('close', (code, reason) => upstreamSocket.readyState === WebSocket.OPEN && upstreamSocket.close(closeCode(code), reason));
      upstreamSocket.on('error', () => downstream.terminate());
      downstream.on('error', () => upstreamSocket.terminate());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: RecordingProxy = {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    requests,
    sockets,
    delayMs: 0,
    answerHeaders: {},
    retarget: (next) => void (upstream = new URL(next)),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.cut();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

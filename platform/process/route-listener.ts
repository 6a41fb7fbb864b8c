/**
 * A listener of its own for operator routes (/metrics), so they stay off the public port: it answers
 * only the routes it is given (404 otherwise) and binds where it is told, this machine by default.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RawRoute } from '@identity-federation-gateway/subgraph-kit';

export interface RouteListener {
  /** The listener's origin, e.g. http://127.0.0.1:9464. */
  readonly url: string;
  close(): Promise<void>;
}

/** Where a route listener binds (METRICS_HOST, METRICS_PORT). */
export interface ListenAddress {
  host: string;
  port: number;
}

export async function startRouteListener(routes: readonly RawRoute[], address: ListenAddress): Promise<RouteListener> {
  const byKey = new Map(routes.map((route) => [`${route.method} ${route.path}`, route]));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = byKey.get(`${req.method} ${url.pathname}`);
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    void Promise.resolve(route.handle(req, res, url)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A route served beside /graphql (JWKS, health, metrics, web pages), handled on Node's own request and
 * response. Its own module because both the HTTP server and the routes it serves (health, erasure
 * notices) need the shape, and neither should import the other for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A GET or POST route answered outside GraphQL; the server matches method and path exactly. */
export interface RawRoute {
  method: 'GET' | 'POST';
  /** The request's path, without the query string. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

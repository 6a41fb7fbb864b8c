/**
 * A merchant subgraph written without the kit, as a team in another stack would run it: plain
 * `@apollo/subgraph` on `node:http`. It records each request's headers and exact body (to verify the
 * injected identity as any stack would) and can change its schema while running (for the dev loop).
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

// The graphql instance @apollo/subgraph (CommonJS) builds schemas with; see bench/subgraphs/lean-server.ts.
const { execute, parse } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export interface ForeignSubgraph {
  url: string;
  /** Every request received, oldest first. */
  received: { method: string; headers: IncomingHttpHeaders; body: string }[];
  /** Serves `sdl` from now on (its `_service { sdl }` answers it too). */
  setSchema(sdl: string, resolvers: GraphQLResolverMap<unknown>): void;
  close(): Promise<void>;
}

export async function startForeignSubgraph(sdl: string, resolvers: GraphQLResolverMap<unknown>): Promise<ForeignSubgraph> {
  let schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers });
  const received: ForeignSubgraph['received'] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ method: req.method ?? '', headers: req.headers, body });
    try {
      const payload = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
      const result = await execute({ schema, document: parse(payload.query), variableValues: payload.variables });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    received,
    setSchema: (next, nextResolvers) => (schema = buildSubgraphSchema({ typeDefs: parse(next), resolvers: nextResolvers })),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

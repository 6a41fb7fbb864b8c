/**
 * A minimal subgraph HTTP server for the benchmark: parsed and validated documents are cached, so the
 * subgraphs spend as little of the shared 2 cores as possible and the gateways' differences show.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

// The same graphql instance @apollo/subgraph (CommonJS) built the schema with: under an ESM loader a plain
// import can resolve to graphql's ESM build, and graphql refuses schemas from "another module or realm".
const { execute, parse, validate } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export async function startLeanSubgraph(
  typeDefs: DocumentNode,
  resolvers: GraphQLResolverMap<unknown>,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const schema = buildSubgraphSchema({ typeDefs, resolvers });
  const documents = new Map<string, DocumentNode>();
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    let payload: { query?: string; variables?: Record<string, unknown>; operationName?: string };
    try {
      payload = JSON.parse(body);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let document = documents.get(payload.query ?? '');
    if (!document) {
      try {
        document = parse(payload.query ?? '');
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
        return;
      }
      const errors = validate(schema, document);
      if (errors.length) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors }));
        return;
      }
      documents.set(payload.query ?? '', document);
    }
    const result = await execute({ schema, document, variableValues: payload.variables, operationName: payload.operationName });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Verifying the platform's identity in a plain `node:http` server, no framework and no GraphQL library:
 * read the body bytes, verify, then use `claims.oid` (your OpenID of the viewer) or answer 401.
 */
import { createServer, type Server } from 'node:http';
import { verifyIdentity } from '@identity-federation-gateway/subgraph-kit';

export function createNodeHttpSubgraph(options: { subgraph: string; secrets: string[] }): Server {
  return createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const result = verifyIdentity({
      method: req.method ?? 'GET',
      headers: req.headers,
      rawBody: chunks.length ? Buffer.concat(chunks) : undefined,
      secret: options.secrets, // [current, previous] during a rotation
      subgraph: options.subgraph,
    });
    if (!result.ok) {
      // Log the reason for yourself; tell the caller only that it was refused.
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ message: 'identity refused', extensions: { code: 'IDENTITY_SIGNATURE_INVALID' } }] }));
      return;
    }
    // Your GraphQL execution goes here, with result.claims?.oid as the viewer's OpenID (undefined: not linked or anonymous).
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { viewerOpenId: result.claims?.oid ?? null } }));
  });
}

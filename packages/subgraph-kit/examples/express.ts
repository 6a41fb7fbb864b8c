/**
 * Verifying the platform's identity in Express: take the body as raw bytes (the MAC covers them exactly,
 * so verify before any JSON parser re-reads it), then hand the claims to your handlers.
 */
import express, { type Express } from 'express';
import { verifyIdentity, type IdentityClaims } from '@identity-federation-gateway/subgraph-kit';

export function createExpressSubgraph(options: { subgraph: string; secrets: string[] }): Express {
  const app = express();
  app.post('/graphql', express.raw({ type: '*/*', limit: '1mb' }), (req, res, next) => {
    const result = verifyIdentity({
      method: req.method,
      headers: req.headers,
      rawBody: Buffer.isBuffer(req.body) ? req.body : undefined,
      secret: options.secrets,
      subgraph: options.subgraph,
    });
    if (!result.ok) {
      res.status(401).json({ errors: [{ message: 'identity refused', extensions: { code: 'IDENTITY_SIGNATURE_INVALID' } }] });
      return;
    }
    res.locals.identity = result.claims;
    next();
  });
  app.post('/graphql', (_req, res) => {
    // Your GraphQL handler goes here (e.g. parse req.body yourself); the viewer's OpenID is identity?.oid.
    const identity = res.locals.identity as IdentityClaims | undefined;
    res.json({ data: { viewerOpenId: identity?.oid ?? null } });
  });
  return app;
}

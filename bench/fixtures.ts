/** Benchmark fixtures: secrets for the demo platform, and logged-in viewers with merchant identities. */
import mongoose from 'mongoose';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadPlatformConfig, type PlatformConfig } from '../platform/config/platform-config.js';
import { DEVELOPMENT_SECRET_PREFIX, generateSecret, secretNames } from '../platform/config/secret-names.js';
import { JWKS_PATH } from '../platform/identity/access-token.js';
import { identityModels } from '../platform/identity-store/models.js';
import { AccessTokenIssuer } from '../subgraphs/identity/access-tokens.js';

export function benchSecrets(): { config: PlatformConfig; configPath: string; env: Record<string, string> } {
  const configPath = fileURLToPath(new URL('../platform/config/demo-platform.json', import.meta.url));
  const config = loadPlatformConfig(configPath);
  // Gateways run with NODE_ENV=production, which refuses secrets marked for development: same shape, unmarked.
  const unmarked = (value: string) =>
    randomBytes(6).toString('base64').slice(0, DEVELOPMENT_SECRET_PREFIX.length) + value.slice(DEVELOPMENT_SECRET_PREFIX.length);
  const env: Record<string, string> = Object.fromEntries(secretNames(config).map((n) => [n, unmarked(generateSecret(config, n))]));
  env.IDENTITY_DATA_KEY = randomBytes(32).toString('base64');
  env.IDENTITY_JWT_PRIVATE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { config, configPath, env };
}

/** `count` users linked to both merchants (and consenting to ACME), their access tokens, and a JWKS server that vouches for them. */
export async function seedViewers(uri: string, count: number): Promise<{ tokens: string[]; jwksOrigin: string; close(): Promise<void> }> {
  const connection = await mongoose.createConnection(uri).asPromise();
  const models = identityModels(connection);
  await Promise.all(Object.values(models).map((m) => m.createIndexes()));
  const issuer = await AccessTokenIssuer.create(undefined, 3600);
  const tokens: string[] = [];
  const now = new Date();
  const apps: [string, string | null][] = [
    ['wx1000000000000001', null],
    ['wx3000000000000001', 'acme'],
    ['wx4000000000000001', 'bobs'],
  ];
  const userIds = Array.from({ length: count }, () => randomUUID());
  // Inserted in bulk: the burst scenario seeds a thousand viewers.
  await models.User.insertMany(userIds.map((_id) => ({ _id })));
  await models.Identity.insertMany(
    userIds.flatMap((userId) =>
      apps.map(([appId, merchantId]) => ({
        appId,
        openId: `o${randomBytes(20).toString('base64url').slice(0, 27)}`,
        merchantId,
        userId,
        via: 'LOGIN',
        linkedAt: now,
        lastLoginAt: now,
      })),
    ),
  );
  // ACME asks for disclosure consent: every viewer has granted it, so ACME's @policy fields resolve (and its OpenID is injected).
  await models.Consent.insertMany(
    userIds.map((userId) => ({ userId, purpose: 'MERCHANT_DISCLOSURE', merchantId: 'acme', noticeVersion: '2026-01', grantedAt: now })),
  );
  for (const userId of userIds) tokens.push((await issuer.issue({ sub: userId, app: 'wx1000000000000001', sid: randomUUID() })).token);
  await connection.close();
  const jwks = JSON.stringify(issuer.jwks());
  const server = createServer((req, res) =>
    req.url === JWKS_PATH ? res.writeHead(200, { 'content-type': 'application/json' }).end(jwks) : res.writeHead(404).end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    tokens,
    jwksOrigin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Secrets for a development run: every secret the platform config names, generated when the
 * environment does not already hold it. Production sets them all; nothing here runs there.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { PlatformConfig } from '../platform/config/platform-config.js';
import { generateSecret, secretNames } from '../platform/config/secret-names.js';
import type { Environment } from '../platform/env.js';

export function developmentSecrets(config: PlatformConfig, env: Environment): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const name of secretNames(config)) secrets[name] = env.secret(name) ?? generateSecret(config, name);
  secrets.IDENTITY_DATA_KEY = env.IDENTITY_DATA_KEY ?? randomBytes(32).toString('base64');
  secrets.IDENTITY_JWT_PRIVATE_KEY =
    env.IDENTITY_JWT_PRIVATE_KEY ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return secrets;
}

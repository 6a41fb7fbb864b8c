/** Every secret a platform config refers to, and how to make a development value of the right shape. */
import { randomBytes } from 'node:crypto';
import type { PlatformConfig } from './platform-config.js';

export function secretNames(config: PlatformConfig): string[] {
  const tpp = config.thirdPartyPlatform;
  return [
    ...config.apps.flatMap((a) => (a.secretEnv ? [a.secretEnv] : [])),
    ...config.subgraphs.map((s) => s.identitySecretEnv),
    ...(tpp ? [tpp.secretEnv, tpp.tokenEnv, tpp.encodingAesKeyEnv] : []),
  ];
}

/**
 * Starts every generated development secret, so a production process can recognise and refuse one. It
 * is made of base64 characters, so a generated EncodingAESKey stays valid base64.
 */
export const DEVELOPMENT_SECRET_PREFIX = 'DEVONLY';

/** A random development value for `name`, marked as such (an EncodingAESKey is 43 base64 characters; everything else 39). */
export function generateSecret(config: PlatformConfig, name: string): string {
  if (name === config.thirdPartyPlatform?.encodingAesKeyEnv) return DEVELOPMENT_SECRET_PREFIX + randomBytes(27).toString('base64').slice(0, 36);
  return DEVELOPMENT_SECRET_PREFIX + randomBytes(24).toString('base64url');
}

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

/** A random value for `name` (an EncodingAESKey is 43 base64 characters; everything else 32). */
export function generateSecret(config: PlatformConfig, name: string): string {
  if (name === config.thirdPartyPlatform?.encodingAesKeyEnv) return randomBytes(32).toString('base64').slice(0, 43);
  return randomBytes(24).toString('base64url');
}

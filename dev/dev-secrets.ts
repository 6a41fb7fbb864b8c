/**
 * Secrets for a development run: every secret the platform config names, generated when the
 * environment does not already hold it. Production sets them all; nothing here runs there.
 *
 * A secret someone outside the platform must hold too (the one a merchant team's subgraph verifies the
 * gateway's identity header with, under `npm run dev:subgraph`) can be kept: its generated value is
 * written to a file and read back on the next run, so the team pastes it into its subgraph once.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformConfig } from '../platform/config/platform-config.js';
import { DEVELOPMENT_SECRET_PREFIX, generateSecret, secretNames } from '../platform/config/secret-names.js';
import type { Environment } from '../platform/env.js';

/** Where a kept secret's value came from: the environment, the file of an earlier run, or made now (and written). */
export type KeptSecretSource = 'environment' | 'kept' | 'new';

/** A kept secret that is not a development secret; the message says what to change. */
export class DevelopmentSecretError extends Error {}

/** The fewest characters after the prefix: a subgraph refuses an identity secret shorter than 16 characters. */
const MIN_LENGTH_AFTER_PREFIX = 16;

/** The file a kept secret lives in. */
export const keptSecretFile = (dir: string, name: string) => join(dir, name);

/** Whether `value` is a development secret: production refuses the prefix, so it can never carry a real one. */
export const isDevelopmentSecret = (value: string) =>
  value.startsWith(DEVELOPMENT_SECRET_PREFIX) && value.length >= DEVELOPMENT_SECRET_PREFIX.length + MIN_LENGTH_AFTER_PREFIX && !/\s/.test(value);

const DEVELOPMENT_SECRET_RULE = `start with ${DEVELOPMENT_SECRET_PREFIX} (production refuses that prefix) followed by at least ${MIN_LENGTH_AFTER_PREFIX} characters, no spaces`;

/**
 * The value of the kept secret `name`: the environment's when set, else the one kept in `dir` by an
 * earlier run, else a new one, written there. Both must be development secrets: this one is printed
 * for pasting into another team's configuration, and must never be a production value.
 */
export function keptSecret(dir: string, name: string, env: Environment, generate: () => string): { value: string; source: KeptSecretSource } {
  const fromEnvironment = env.secret(name);
  if (fromEnvironment !== undefined) {
    if (!isDevelopmentSecret(fromEnvironment))
      throw new DevelopmentSecretError(
        `${name} in the environment is not a development secret: it must ${DEVELOPMENT_SECRET_RULE}, or unset it to use the kept one`,
      );
    return { value: fromEnvironment, source: 'environment' };
  }
  const file = keptSecretFile(dir, name);
  const kept = readKept(file);
  if (kept !== undefined) {
    if (!isDevelopmentSecret(kept))
      throw new DevelopmentSecretError(`${file} does not hold a development secret (it must ${DEVELOPMENT_SECRET_RULE}): delete it to have a new one made`);
    return { value: kept, source: 'kept' };
  }
  mkdirSync(dir, { recursive: true });
  const value = generate();
  // Written whole under another name, then linked into place (which fails if the file exists): when two
  // runs start at once, the second reads the first one's value, never a half-written file.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${value}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return keptSecret(dir, name, env, generate);
  } finally {
    rmSync(temp, { force: true });
  }
  return { value, source: 'new' };
}

function readKept(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DevelopmentSecretError(`cannot read the kept secret ${file}: ${(error as Error).message}`);
  }
}

/** Every secret `config` names, by variable: the environment's value, else a new one. */
export function developmentSecrets(config: PlatformConfig, env: Environment): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const name of secretNames(config)) secrets[name] = env.secret(name) ?? generateSecret(config, name);
  secrets.IDENTITY_DATA_KEY = env.IDENTITY_DATA_KEY ?? randomBytes(32).toString('base64');
  secrets.IDENTITY_JWT_PRIVATE_KEY =
    env.IDENTITY_JWT_PRIVATE_KEY ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return secrets;
}

/**
 * The kept development secret behind `npm run dev:subgraph`: made once and kept in a file, read back on
 * the next run, taken from the environment when set there, and never anything production would accept.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DevelopmentSecretError, keptSecret, keptSecretFile } from '../../dev/dev-secrets.js';
import { DEVELOPMENT_SECRET_PREFIX, generateSecret } from '../../platform/config/secret-names.js';
import { readEnvironment } from '../../platform/env.js';
import { demoConfig } from '../support/fixtures.js';

const NAME = 'TEASHOP_SUBGRAPH_SECRET';
const root = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const freshDir = (label: string) => mkdtempSync(join(root, `${label}-`));
const generate = () => generateSecret(demoConfig, NAME);
const noSecrets = readEnvironment({});

describe('keptSecret', () => {
  it('makes a development secret once, keeps it in a file only its owner reads, and gives it back on the next run', () => {
    const dir = join(freshDir('kept'), 'not-yet-there');
    const first = keptSecret(dir, NAME, noSecrets, generate);
    expect(first).toEqual({ value: expect.stringMatching(new RegExp(`^${DEVELOPMENT_SECRET_PREFIX}\\S{32}$`)), source: 'new' });
    const file = keptSecretFile(dir, NAME);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.value);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    expect(keptSecret(dir, NAME, noSecrets, generate)).toEqual({ value: first.value, source: 'kept' });
  });

  it('takes the environment’s development secret over the kept one, and keeps nothing of it', () => {
    const dir = freshDir('environment');
    const chosen = `${DEVELOPMENT_SECRET_PREFIX}-our-team-secret-0001`;
    expect(keptSecret(dir, NAME, readEnvironment({ [NAME]: chosen }), generate)).toEqual({ value: chosen, source: 'environment' });
    expect(keptSecret(dir, NAME, noSecrets, generate).source).toBe('new');
  });

  it('refuses an environment value production would accept, saying what to change', () => {
    const dir = freshDir('refused');
    const run = () => keptSecret(dir, NAME, readEnvironment({ [NAME]: 'a-real-production-secret-value' }), generate);
    expect(run).toThrow(DevelopmentSecretError);
    expect(run).toThrow(new RegExp(`${NAME} in the environment is not a development secret: it must start with ${DEVELOPMENT_SECRET_PREFIX}`));
    expect(() => keptSecret(dir, NAME, readEnvironment({ [NAME]: `${DEVELOPMENT_SECRET_PREFIX}short` }), generate)).toThrow(/at least 16 characters/);
  });

  it('refuses a kept file that does not hold a development secret, naming the file to delete', () => {
    const dir = freshDir('edited');
    writeFileSync(keptSecretFile(dir, NAME), 'pasted-by-hand-without-the-prefix\n');
    expect(() => keptSecret(dir, NAME, noSecrets, generate)).toThrow(`${keptSecretFile(dir, NAME)} does not hold a development secret`);
    expect(() => keptSecret(dir, NAME, noSecrets, generate)).toThrow(/delete it to have a new one made/);
  });
});

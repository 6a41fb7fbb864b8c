/**
 * production.env.example, the operators' starting point, names every variable a production process
 * requires (the demo config's secrets included), with a comment for each group, and nothing the
 * processes do not read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_SETTINGS } from '../../gateway/gateway-settings.js';
import { secretNames } from '../../platform/config/secret-names.js';
import { inspectEnvironment } from '../../platform/env.js';
import { demoConfig } from '../support/fixtures.js';

const text = readFileSync(new URL('../../production.env.example', import.meta.url), 'utf8');
/** Every `NAME=` in the file, commented-out ones included. */
const variables = [...text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!);

describe('production.env.example', () => {
  it('names every variable a production process requires, each secret of the platform config among them', () => {
    const required = [
      'NODE_ENV',
      'PLATFORM_CONFIG',
      'MONGODB_URI',
      'WECHAT_API_BASE',
      'IDENTITY_JWT_PRIVATE_KEY',
      'IDENTITY_DATA_KEY',
      'CONSOLE_OPERATORS',
      'PERSISTED_DOCUMENTS',
      'PERSISTED_DOCUMENTS_ONLY',
      'METRICS_PORT',
      ...secretNames(demoConfig),
    ];
    expect(required.filter((name) => !variables.includes(name))).toEqual([]);
  });

  it('names nothing the processes do not read, and every value it gives is valid', () => {
    const known = new Set([...Object.keys(inspectEnvironment({}, GATEWAY_SETTINGS).env), ...secretNames(demoConfig)]);
    expect(variables.filter((name) => !known.has(name))).toEqual([]);
    // Its filled-in values pass validation (the empty ones are the operator's to fill).
    const values = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.+)$/gm)].map((match) => [match[1]!, match[2]!]));
    expect([...inspectEnvironment(values, GATEWAY_SETTINGS).invalid.values()]).toEqual([]);
  });

  it('says how to make each key', () => {
    expect(text).toContain('openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256');
    expect(text).toContain('openssl rand -base64 32');
    expect(text).toContain('npm run console:hash');
  });
});

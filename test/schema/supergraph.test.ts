/** The committed supergraph is what composition produces now, and it exposes nothing it must not. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildASTSchema, buildClientSchema, buildSchema, getIntrospectionQuery, isObjectType, parse, printSchema, type IntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/gateway-server.js';
import { createLogger } from '../../platform/logger.js';
import { API_SCHEMA_PATH, apiSchemaOf } from '../../schema/api-schema.js';
import { composeSupergraph } from '../../schema/compose-supergraph.js';
import { demoConfig } from '../support/fixtures.js';

const committed = readFileSync(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)), 'utf8');

describe('schema/supergraph.graphql', () => {
  it('is up to date with the subgraphs (run `npm run compose` if this fails)', () => {
    expect(committed).toBe(composeSupergraph(demoConfig));
  });

  it('has no field that could expose an OpenID, UnionID, session key or secret to clients', () => {
    const schema = buildASTSchema(parse(committed), { assumeValidSDL: true });
    const fields = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((t) => !t.name.startsWith('__') && !t.name.startsWith('join__') && !t.name.startsWith('link__'))
      .flatMap((t) => Object.keys(t.getFields()).map((f) => `${t.name}.${f}`));
    expect(fields.length).toBeGreaterThan(10);
    expect(fields.filter((f) => /openid|unionid|session_?key|secret/i.test(f))).toEqual([]);
  });
});

describe('schema/api.graphql', () => {
  const api = readFileSync(API_SCHEMA_PATH, 'utf8');

  it('is the API schema of the committed supergraph (run `npm run compose` if this fails)', () => {
    expect(api).toBe(apiSchemaOf(committed));
    expect(api).not.toMatch(/join__|link__|@key|@join/);
    expect(api).toContain('Logs in from any registered mini-program');
  });

  it('is what introspecting the running gateway gives', async () => {
    const gateway = await startGateway({ supergraphSdl: committed, logger: createLogger('test', 'silent') });
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: getIntrospectionQuery({ descriptions: true }) }),
      });
      const { data } = (await response.json()) as { data: IntrospectionQuery };
      expect(printSchema(buildClientSchema(data))).toBe(printSchema(buildSchema(api)));
    } finally {
      await gateway.close();
    }
  });
});

/** The committed supergraph is what composition of schema/supergraph.yaml produces now, and it exposes nothing it must not. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildASTSchema, buildClientSchema, buildSchema, getIntrospectionQuery, isObjectType, parse, printSchema, type IntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/gateway-server.js';
import { createLogger } from '../../platform/logger.js';
import { API_SCHEMA_PATH, apiSchemaOf } from '../../schema/api-schema.js';
import { composeSupergraph } from '../../schema/compose-supergraph.js';
import { checkAgainstPlatform, loadSubgraphSchemas, loadSupergraphConfig, SUPERGRAPH_CONFIG_PATH } from '../../schema/supergraph-config.js';
import { demoConfig } from '../support/fixtures.js';

const committed = readFileSync(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)), 'utf8');

function writeConfig(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'supergraph-yaml-')), 'supergraph.yaml');
  writeFileSync(path, yaml);
  return path;
}

describe('schema/supergraph.graphql', () => {
  it('is what schema/supergraph.yaml composes (run `npm run compose` if this fails)', () => {
    expect(composeSupergraph(loadSubgraphSchemas())).toBe(committed);
  });

  it('lists every subgraph of the platform config at the same URL, each SDL in a file beside its service', () => {
    const config = loadSupergraphConfig();
    expect(() => checkAgainstPlatform(config, demoConfig)).not.toThrow();
    expect(config.subgraphs.map((s) => [s.name, s.schemaFile])).toEqual(
      ['identity', 'coupons', 'products'].map((name) => [name, fileURLToPath(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url))]),
    );
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

describe('schema/supergraph.yaml validation', () => {
  it('names the field that is wrong', () => {
    const path = writeConfig('federation_version: 1\nsubgraphs:\n  coupons:\n    routing_url: not a url\n    schema:\n      subgraph_url: http://x\n');
    expect(() => loadSupergraphConfig(path)).toThrow(
      /federation_version: must be a Federation 2 version[\s\S]*subgraphs\.coupons\.routing_url[\s\S]*subgraphs\.coupons\.schema/,
    );
  });

  it('refuses a config that disagrees with the platform config', () => {
    const yaml = readFileSync(SUPERGRAPH_CONFIG_PATH, 'utf8').replace('127.0.0.1:4003', '127.0.0.1:4999');
    const path = writeConfig(yaml.replaceAll('../subgraphs/', `${fileURLToPath(new URL('../../subgraphs/', import.meta.url))}`));
    expect(() => checkAgainstPlatform(loadSupergraphConfig(path), demoConfig)).toThrow(
      /subgraphs\.products\.routing_url: http:\/\/127\.0\.0\.1:4999\/graphql differs/,
    );
  });

  it('names the subgraph whose schema file is missing', () => {
    const path = writeConfig(
      'federation_version: =2.14.4\nsubgraphs:\n  teashop:\n    routing_url: http://127.0.0.1:4004/graphql\n    schema:\n      file: nowhere.graphql\n',
    );
    expect(() => loadSubgraphSchemas(path)).toThrow(/subgraphs\.teashop\.schema\.file: cannot read/);
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

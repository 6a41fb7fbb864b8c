/** The committed supergraph is what composition produces now, and it exposes nothing it must not. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildASTSchema, isObjectType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
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

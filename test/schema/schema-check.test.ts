/**
 * `schema:check`: composition, API schema changes and the operations they break, against the committed
 * supergraph and a fixture mini-program (operation files with a shared fragment, and a persisted-documents
 * manifest) in a temporary directory.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSchema, type SchemaCheckReport } from '../../schema/check/check-schema.js';
import { formatReport } from '../../schema/check/report-text.js';
import { loadClientOperations, MINI_PROGRAM_OPERATIONS, OperationSourceError } from '../../schema/check/client-operations.js';
import { composeSubgraphs, withSubgraph } from '../../schema/check/composition.js';
import { workingTreeSubgraphs } from '../../schema/subgraph-sources.js';
import { demoConfig } from '../support/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMITTED = readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The fixture mini-program: AvailableCoupons reads Coupon.remaining through a fragment in another file;
// Products (only in the manifest) pages without `after`. Nothing reads Coupon.discountCents.
mkdirSync(join(dir, 'app/operations'), { recursive: true });
writeFileSync(join(dir, 'app/operations/fragments.graphql'), 'fragment CouponFields on Coupon { id title remaining }\n');
writeFileSync(
  join(dir, 'app/operations/coupons.graphql'),
  'query AvailableCoupons { availableCoupons { ...CouponFields } }\nmutation ClaimCoupon($id: ID!) { claimCoupon(couponId: $id) { claimedAt } }\n',
);
const MANIFEST = join(dir, 'app/generated/persisted-documents.json');
mkdirSync(join(dir, 'app/generated'));
writeFileSync(
  MANIFEST,
  JSON.stringify({
    'sha256:1f0c': 'query Products($first: Int) { products(first: $first) { edges { node { id name } } } }',
    'sha256:9a2e': 'query AvailableCoupons { availableCoupons { ...CouponFields } }\nfragment CouponFields on Coupon { id title remaining }',
  }),
);
const operations = { operationGlobs: ['app/operations/*.graphql'], manifestGlobs: ['app/generated/persisted-documents.json'], cwd: dir };

/** The working tree's SDL of `subgraph`. */
const sdlOf = (subgraph: string) => workingTreeSubgraphs(demoConfig).find((s) => s.name === subgraph)!.sdl;

/** The working tree's SDL of `subgraph` with one edit applied (the edit must apply). */
function proposed(subgraph: string, from: RegExp, to: string): string {
  const sdl = sdlOf(subgraph);
  const changed = sdl.replace(from, to);
  expect(changed, `the edit ${from} applies to ${subgraph}`).not.toBe(sdl);
  return changed;
}

function check(subgraph: string, sdl: string, baseSupergraphSdl = COMMITTED): Promise<SchemaCheckReport> {
  const subgraphs = workingTreeSubgraphs(demoConfig);
  const proposal = { name: subgraph, url: 'http://127.0.0.1:4002/graphql', sdl, origin: 'proposed.graphql' };
  return checkSchema({ subgraphs, proposal, baseSupergraphSdl, operations });
}

/** The supergraph with `subgraph`'s SDL replaced: a base where a directive already is. */
function supergraphWith(subgraph: string, sdl: string): string {
  const subgraphs = workingTreeSubgraphs(demoConfig);
  const composed = composeSubgraphs(withSubgraph(subgraphs, { ...subgraphs.find((s) => s.name === subgraph)!, sdl }));
  if (!composed.ok) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

const DIRECTIVE_IMPORTS = ['@authenticated', '@requiresScopes', '@policy', '@cost', '@listSize'];

/** `sdl` importing the authorization and demand-control directives from Federation 2.9, as a merchant team would. */
function importingDirectives(sdl: string): string {
  const changed = sdl.replace(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \[([^\]]*)\]\)/, (_, imports: string) => {
    const names = new Set([...imports.split(',').map((name) => name.trim()), ...DIRECTIVE_IMPORTS.map((name) => `"${name}"`)]);
    return `@link(url: "https://specs.apollo.dev/federation/v2.9", import: [${[...names].join(', ')}])`;
  });
  expect(changed, 'the federation @link is rewritten').not.toBe(sdl);
  return changed;
}

/** The working tree's SDL of `subgraph`, importing the directives, with one edit applied. */
const proposedWithDirectives = (subgraph: string, from: RegExp, to: string) => importingDirectives(proposed(subgraph, from, to));

describe('schema:check', () => {
  it('passes for the working tree against the committed supergraph, reading every fixture operation once', async () => {
    const report = await checkSchema({ subgraphs: workingTreeSubgraphs(demoConfig), baseSupergraphSdl: COMMITTED, operations });
    expect(report.ok).toBe(true);
    expect(report.changes).toEqual([]);
    // AvailableCoupons is both in a file and in the manifest: checked once, found in both.
    expect(report.operations.checked).toBe(3);
  });

  it('finds the example mini-program’s and the client’s operations by default, and the working tree breaks none of them', async () => {
    const report = await checkSchema({
      subgraphs: workingTreeSubgraphs(demoConfig),
      baseSupergraphSdl: COMMITTED,
      operations: { ...MINI_PROGRAM_OPERATIONS, cwd: ROOT },
    });
    expect(report.notices).toEqual([]);
    expect(report.operations.checked).toBeGreaterThanOrEqual(10);
    expect(report).toMatchObject({ ok: true, changes: [], operations: { broken: [] } });
  });

  it('counts an operation once when its file and codegen\u2019s manifest write its fields in another order', () => {
    const { operations } = loadClientOperations({ ...MINI_PROGRAM_OPERATIONS, cwd: ROOT });
    const names = operations.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    const home = operations.find((o) => o.name === 'HomePage')!;
    expect(home.origins).toEqual(['examples/mini-program/operations/home.graphql', expect.stringMatching(/persisted-documents\.json#[0-9a-f]{64}$/)]);
  });

  it('fails when a field an operation uses is removed, naming the operation and the field (as a process, text and --json)', async () => {
    const file = join(dir, 'no-remaining.graphql');
    writeFileSync(file, proposed('coupons', /\n\s*"Units left to claim\."\n\s*remaining: Int!/, ''));
    const run = (...extra: string[]) =>
      promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          'schema/schema-check.ts',
          '--subgraph',
          'coupons',
          '--schema',
          file,
          '--operations',
          join(dir, 'app/operations/*.graphql'),
          '--manifest',
          MANIFEST,
          ...extra,
        ],
        { cwd: ROOT },
      ).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const [text, json] = await Promise.all([run(), run('--json')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('✖ AvailableCoupons');
    expect(text.stdout).toContain('Cannot query field "remaining" on type "Coupon".');
    expect(text.stdout).toMatch(/BREAKING\s+FIELD_REMOVED\s+Field 'remaining' was removed from object type 'Coupon'\s+\[used by AvailableCoupons\]/);
    expect(text.stdout).toContain('Result: FAIL');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as SchemaCheckReport;
    expect(report.ok).toBe(false);
    expect(report.operations.broken.map((b) => b.operation)).toEqual(['AvailableCoupons']);
    expect(report.operations.broken[0]!.origins).toEqual([
      expect.stringMatching(/app\/operations\/coupons\.graphql$/),
      expect.stringMatching(/app\/generated\/persisted-documents\.json#sha256:9a2e$/),
    ]);
    expect(report.operations.broken[0]!.breakingChanges.map((c) => c.path)).toEqual(['Coupon.remaining']);
  });

  it('passes with a warning when a removed field is used by no operation', async () => {
    const report = await check('coupons', proposed('coupons', /\n\s*discountCents: Int!/, ''));
    expect(report.ok).toBe(true);
    expect(report.changes).toEqual([expect.objectContaining({ level: 'breaking', type: 'FIELD_REMOVED', path: 'Coupon.discountCents', usedBy: [] })]);
    expect(report.warnings).toEqual([expect.stringContaining("breaking change used by no registered operation: Field 'discountCents' was removed")]);
  });

  it('passes without warnings when a nullable field is added', async () => {
    const report = await check('coupons', proposed('coupons', /remaining: Int!/, 'remaining: Int!\n  terms: String'));
    expect(report.ok).toBe(true);
    expect(report.changes).toEqual([expect.objectContaining({ level: 'safe', type: 'FIELD_ADDED', path: 'Coupon.terms' })]);
    expect(report.warnings).toEqual([]);
  });

  it('fails with the composition error when a type change breaks composition', async () => {
    const report = await check('coupons', proposed('coupons', /(type User[^{]*\{\s*id: )ID!/, '$1Int!'));
    expect(report.ok).toBe(false);
    expect(report.composition.ok).toBe(false);
    const [error] = report.composition.errors;
    expect(error).toMatchObject({ code: 'FIELD_TYPE_MISMATCH', message: expect.stringContaining('"User.id"') });
    expect(error!.locations).toContainEqual(expect.objectContaining({ origin: 'proposed.graphql' }));
  });

  it('fails when an argument an operation leaves out is made required', async () => {
    const report = await check('products', proposed('products', /after: String\)/, 'after: String!)'));
    expect(report.ok).toBe(false);
    expect(report.changes).toContainEqual(expect.objectContaining({ level: 'breaking', path: 'Query.products.after' }));
    const [broken] = report.operations.broken;
    expect(broken).toMatchObject({ operation: 'Products', origins: ['app/generated/persisted-documents.json#sha256:1f0c'] });
    expect(broken!.errors).toEqual([expect.stringContaining('argument "after" of type "String!" is required')]);
  });

  it('reports a proposed SDL that does not parse as INVALID_GRAPHQL with its location', async () => {
    const report = await check('coupons', 'type Coupon {');
    expect(report.composition.errors).toEqual([
      expect.objectContaining({ code: 'INVALID_GRAPHQL', locations: [expect.objectContaining({ origin: 'proposed.graphql', line: 1 })] }),
    ]);
  });

  it('refuses operation sources it cannot read: a manifest that is not hash → text, an operation file with a syntax error', async () => {
    writeFileSync(join(dir, 'bad-manifest.json'), JSON.stringify(['query A { me { id } }']));
    writeFileSync(join(dir, 'broken.graphql'), 'query Broken { me { id }');
    const subgraphs = workingTreeSubgraphs(demoConfig);
    const run = (sources: Partial<typeof operations>) => checkSchema({ subgraphs, baseSupergraphSdl: COMMITTED, operations: { ...operations, ...sources } });
    await expect(run({ manifestGlobs: ['bad-manifest.json'] })).rejects.toThrow(OperationSourceError);
    await expect(run({ operationGlobs: ['broken.graphql'] })).rejects.toThrow(/broken\.graphql: Syntax Error/);
  });
});

describe('schema:check and directive applications', () => {
  it('accepts @authenticated, @requiresScopes, @policy, @cost and @listSize imported from Federation 2.9, and reports each as a change', async () => {
    const sdl = proposedWithDirectives(
      'coupons',
      /discountCents: Int!/,
      'discountCents: Int! @authenticated @requiresScopes(scopes: [["app:merchant"]]) @policy(policies: [["merchant-identity"]]) @cost(weight: 5)',
    ).replace('availableCoupons: [Coupon!]!', 'availableCoupons: [Coupon!]! @listSize(assumedSize: 20)');
    const report = await check('coupons', sdl);
    expect(report.composition).toEqual({ ok: true, errors: [] });
    expect(report.ok).toBe(true);
    expect(report.changes.map((c) => [c.level, c.type, c.path, c.directive, c.usedBy])).toEqual([
      ['breaking', 'DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED', 'Coupon.discountCents', '@authenticated', []],
      ['breaking', 'DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED', 'Coupon.discountCents', '@requiresScopes', []],
      ['breaking', 'DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED', 'Coupon.discountCents', '@policy', []],
      ['dangerous', 'DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED', 'Coupon.discountCents', '@cost', []],
      ['dangerous', 'DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED', 'Query.availableCoupons', '@listSize', ['AvailableCoupons']],
    ]);
    expect(report.changes[1]!.message).toBe(
      "Directive '@requiresScopes(scopes: [[\"app:merchant\"]])' was added to field 'Coupon.discountCents': viewers without those scopes get null and an UNAUTHORIZED_FIELD_OR_TYPE error for it",
    );
    // Breaking, but no operation reads Coupon.discountCents: warnings, as for any unused breaking change.
    expect(report.warnings).toHaveLength(4);
  });

  it('fails when @authenticated is added to a field an operation uses, naming the operation (as text)', async () => {
    const report = await check('coupons', proposedWithDirectives('coupons', /remaining: Int!/, 'remaining: Int! @authenticated'));
    expect(report.ok).toBe(false);
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'breaking', type: 'DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED', path: 'Coupon.remaining', usedBy: ['AvailableCoupons'] }),
    ]);
    expect(report.operations.broken).toEqual([
      expect.objectContaining({ operation: 'AvailableCoupons', errors: [], breakingChanges: [expect.objectContaining({ directive: '@authenticated' })] }),
    ]);
    const text = formatReport(report, 'title');
    expect(text).toMatch(
      /BREAKING\s+DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED Directive '@authenticated' was added to field 'Coupon\.remaining': .*\[used by AvailableCoupons\]/,
    );
    expect(text).toContain(
      "✖ AvailableCoupons (app/operations/coupons.graphql, app/generated/persisted-documents.json#sha256:9a2e)\n      uses Coupon.remaining: Directive '@authenticated'",
    );
  });

  it('counts an authorization directive on a type as a change to every operation touching the type', async () => {
    const report = await check('coupons', proposedWithDirectives('coupons', /type Coupon @key\(fields: "id"\)/, '$& @authenticated'));
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'breaking', type: 'DIRECTIVE_USAGE_OBJECT_ADDED', path: 'Coupon', usedBy: ['AvailableCoupons'] }),
    ]);
    expect(report.operations.broken.map((b) => b.operation)).toEqual(['AvailableCoupons']);
  });

  it('reports removing an authorization directive, and widening @requiresScopes, as safe; narrowing it as breaking', async () => {
    const scoped = (scopes: string) => proposedWithDirectives('coupons', /remaining: Int!/, `remaining: Int! @requiresScopes(scopes: ${scopes})`);
    const base = supergraphWith('coupons', scoped('[["app:merchant"]]'));
    const removed = await check('coupons', importingDirectives(sdlOf('coupons')), base);
    expect(removed).toMatchObject({ ok: true, changes: [{ level: 'safe', type: 'DIRECTIVE_USAGE_FIELD_DEFINITION_REMOVED', path: 'Coupon.remaining' }] });
    const widened = await check('coupons', scoped('[["app:merchant"], ["app:platform"]]'), base);
    expect(widened).toMatchObject({ ok: true, changes: [{ level: 'safe', type: 'DIRECTIVE_USAGE_FIELD_DEFINITION_CHANGED', directive: '@requiresScopes' }] });
    const narrowed = await check('coupons', scoped('[["app:merchant", "coupons:read"]]'), base);
    expect(narrowed.ok).toBe(false);
    expect(narrowed.changes).toEqual([
      expect.objectContaining({
        level: 'breaking',
        type: 'DIRECTIVE_USAGE_FIELD_DEFINITION_CHANGED',
        message: expect.stringContaining(
          'from \'@requiresScopes(scopes: [["app:merchant"]])\' to \'@requiresScopes(scopes: [["app:merchant", "coupons:read"]])\'',
        ),
      }),
    ]);
    expect(narrowed.operations.broken.map((b) => b.operation)).toEqual(['AvailableCoupons']);
  });

  it('reports @deprecated once per edit, as safe, on fields and enum values, and @cost on an argument as dangerous', async () => {
    const deprecated = await check('coupons', proposed('coupons', /discountCents: Int!/, 'discountCents: Int! @deprecated(reason: "Use the claim\'s price.")'));
    expect(deprecated.changes).toEqual([
      expect.objectContaining({ level: 'safe', type: 'DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED', path: 'Coupon.discountCents', directive: '@deprecated' }),
    ]);
    const undeprecated = await check(
      'coupons',
      sdlOf('coupons'),
      supergraphWith('coupons', proposed('coupons', /discountCents: Int!/, 'discountCents: Int! @deprecated')),
    );
    expect(undeprecated.changes).toEqual([
      expect.objectContaining({ level: 'safe', type: 'DIRECTIVE_USAGE_FIELD_DEFINITION_REMOVED', directive: '@deprecated' }),
    ]);
    const enumValue = await check('identity', proposed('identity', /OFFICIAL_ACCOUNT_BRIDGE/, 'OFFICIAL_ACCOUNT_BRIDGE @deprecated'));
    expect(enumValue.changes).toEqual([
      expect.objectContaining({ level: 'safe', type: 'DIRECTIVE_USAGE_ENUM_VALUE_ADDED', path: 'ConsentPurpose.OFFICIAL_ACCOUNT_BRIDGE' }),
    ]);
    const cost = await check('products', proposedWithDirectives('products', /first: Int = 10/, 'first: Int = 10 @cost(weight: 2)'));
    expect(cost).toMatchObject({
      ok: true,
      changes: [
        { level: 'dangerous', type: 'DIRECTIVE_USAGE_ARGUMENT_DEFINITION_ADDED', path: 'Query.products.first', directive: '@cost', usedBy: ['Products'] },
      ],
    });
  });
});

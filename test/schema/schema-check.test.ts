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
import { loadClientOperations, MINI_PROGRAM_OPERATIONS, OperationSourceError } from '../../schema/check/client-operations.js';
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

/** The working tree's SDL of `subgraph` with one edit applied (the edit must apply). */
function proposed(subgraph: string, from: RegExp, to: string): string {
  const sdl = workingTreeSubgraphs(demoConfig).find((s) => s.name === subgraph)!.sdl;
  const changed = sdl.replace(from, to);
  expect(changed, `the edit ${from} applies to ${subgraph}`).not.toBe(sdl);
  return changed;
}

function check(subgraph: string, sdl: string): Promise<SchemaCheckReport> {
  const subgraphs = workingTreeSubgraphs(demoConfig);
  const proposal = { name: subgraph, url: 'http://127.0.0.1:4002/graphql', sdl, origin: 'proposed.graphql' };
  return checkSchema({ subgraphs, proposal, baseSupergraphSdl: COMMITTED, operations });
}

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

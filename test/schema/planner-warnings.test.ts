/**
 * Planner warnings: the four patterns graphql-hive's federation gateway audit shows @apollo/query-planner
 * (inside this gateway) planning wrongly are found in the audit suites' own subgraph schemas, and
 * `schema:check` warns a merchant team whose change brings one in, and only then.
 *
 * The fixtures in test/fixtures/federation-gateway-audit/ are the SDLs of the suites' subgraphs, copied from
 * https://github.com/graphql-hive/federation-gateway-audit (src/test-suites/<suite>/<name>.subgraph.ts),
 * MIT License, Copyright (c) 2024 The Guild: the license is beside them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { parse, print } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSchema, type SchemaCheckReport } from '../../schema/check/check-schema.js';
import { composeSubgraphs, withSubgraph } from '../../schema/check/composition.js';
import { plannerWarnings } from '../../schema/planner-warnings/planner-warnings.js';
import { readSupergraph } from '../../schema/read-supergraph.js';
import type { SubgraphSource } from '../../schema/subgraph-sources.js';
import { workingTreeSubgraphs } from '../../schema/subgraph-sources.js';
import { demoConfig } from '../support/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUDIT = fileURLToPath(new URL('../fixtures/federation-gateway-audit/', import.meta.url));
const COMMITTED = readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'planner-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Suite = 'keys-mashup' | 'non-resolvable-interface-object' | 'requires-with-argument' | 'requires-with-argument-conflict';

/** The subgraphs of an audit suite, as the audit names them (`a`, `b`, ...). */
function auditSubgraphs(suite: Suite): SubgraphSource[] {
  return readdirSync(join(AUDIT, suite))
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const name = file.replace('.graphql', '');
      return { name, url: `http://127.0.0.1/${suite}/${name}`, sdl: readFileSync(join(AUDIT, suite, file), 'utf8'), origin: `${suite}/${file}` };
    });
}

/** One subgraph of an audit suite with one edit applied (the edit must apply). */
function edited(suite: Suite, subgraph: string, from: string | RegExp, to: string): SubgraphSource {
  const source = auditSubgraphs(suite).find((s) => s.name === subgraph)!;
  const sdl = source.sdl.replace(from, to);
  expect(sdl, `the edit ${from} applies to ${suite}/${subgraph}`).not.toBe(source.sdl);
  return { ...source, sdl };
}

function compose(subgraphs: SubgraphSource[]): string {
  const composed = composeSubgraphs(subgraphs);
  if (!composed.ok) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

const warningsOf = (subgraphs: SubgraphSource[]) => plannerWarnings(readSupergraph(compose(subgraphs)));

/** The suite checked as a platform: `proposal` against the base supergraph composed from `base` (default: the suite itself). */
function checkSuite(suite: Suite, proposal: SubgraphSource, base: SubgraphSource[] = auditSubgraphs(suite)): Promise<SchemaCheckReport> {
  return checkSchema({
    subgraphs: auditSubgraphs(suite),
    proposal,
    baseSupergraphSdl: compose(base),
    operations: { operationGlobs: [], manifestGlobs: [], cwd: dir },
  });
}

/** Every fetch of a plan: its subgraph, its operation and what it requires, printed. */
function fetchesOf(plan: QueryPlan): { service: string; operation: string; requires: string }[] {
  const walk = (node: PlanNode | undefined): ReturnType<typeof fetchesOf> => {
    if (!node) return [];
    switch (node.kind) {
      case 'Fetch':
        return [{ service: node.serviceName, operation: node.operation, requires: JSON.stringify(node.requires ?? []) }];
      case 'Sequence':
      case 'Parallel':
        return node.nodes.flatMap(walk);
      case 'Flatten':
        return walk(node.node);
      default:
        return [];
    }
  };
  return plan.node?.kind === 'Subscription' ? [] : walk(plan.node);
}

/** keys-mashup's "b" with its resolvable key of A listed first: what the planner gets right. */
const resolvableKeyFirst = () =>
  edited(
    'keys-mashup',
    'b',
    '@key(fields: "compositeId { one two }", resolvable: false)\n  @key(fields: "id compositeId { two three }", resolvable: true)',
    '@key(fields: "id compositeId { two three }", resolvable: true)\n  @key(fields: "compositeId { one two }", resolvable: false)',
  );

/** How @apollo/query-planner plans `query` over the suite's supergraph, as the gateway would. */
function plan(suite: Suite, query: string): QueryPlan {
  const supergraph = readSupergraph(compose(auditSubgraphs(suite)));
  return new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(query)));
}

describe('planner warnings on the audit suites’ schemas', () => {
  it('keys-mashup: A.nameInB @requires, and "b" lists a key it does not resolve by first', () => {
    expect(warningsOf(auditSubgraphs('keys-mashup'))).toEqual([
      {
        pattern: 'REQUIRES_REENTRY_KEY_NOT_RESOLVABLE',
        auditSuite: 'keys-mashup',
        subgraphs: ['b'],
        coordinates: ['A', 'A.nameInB'],
        message: expect.stringMatching(
          /first @key of A in "b" .* is "compositeId \{ one two \}", declared resolvable: false.*instead of by "id compositeId \{ two three \}"/,
        ),
      },
    ]);
  });

  it('non-resolvable-interface-object: no object type implements Node, and "a" answers Node without Node.field', () => {
    expect(warningsOf(auditSubgraphs('non-resolvable-interface-object'))).toEqual([
      {
        pattern: 'INTERFACE_WITHOUT_IMPLEMENTATIONS',
        auditSuite: 'non-resolvable-interface-object',
        subgraphs: ['a', 'b'],
        coordinates: ['Node', 'Node.field'],
        message: expect.stringContaining('Queries selecting Node.field through Query.a answer null without any error'),
      },
    ]);
  });

  it('requires-with-argument: each field a @requires selects with arguments, Post.comments among them', () => {
    const warnings = warningsOf(auditSubgraphs('requires-with-argument'));
    expect(warnings.map((w) => [w.pattern, w.coordinates])).toEqual([
      ['REQUIRES_FIELD_WITH_ARGUMENTS', ['Product.price', 'Product.shippingEstimate']],
      ['REQUIRES_FIELD_WITH_ARGUMENTS', ['Category.averagePrice', 'Product.isExpensiveCategory']],
      ['REQUIRES_FIELD_WITH_ARGUMENTS', ['Post.comments', 'Post.author']],
    ]);
    expect(warnings[2]!.message).toContain('Post.author @requires(fields: "comments(limit: 3) { authorId }")');
  });

  it('requires-with-argument-conflict: Product.shippingEstimate and shippingEstimateEUR require Product.price with different currencies', () => {
    const conflicts = warningsOf(auditSubgraphs('requires-with-argument-conflict')).filter((w) => w.pattern === 'REQUIRES_ARGUMENTS_CONFLICT');
    expect(conflicts).toEqual([
      expect.objectContaining({
        auditSuite: 'requires-with-argument-conflict',
        subgraphs: ['a'],
        coordinates: ['Product.price', 'Product.shippingEstimate', 'Product.shippingEstimateEUR'],
      }),
    ]);
  });

  it('finds none in the platform’s supergraph, committed or composed from the working tree', () => {
    expect(plannerWarnings(readSupergraph(COMMITTED))).toEqual([]);
    expect(warningsOf(workingTreeSubgraphs(demoConfig))).toEqual([]);
  });

  it('finds none where the planner gets it right: a resolvable key first, the interface field defined where it is answered, equal arguments', () => {
    expect(warningsOf(withSubgraph(auditSubgraphs('keys-mashup'), resolvableKeyFirst()))).toEqual([]);
    const fieldInA = edited('non-resolvable-interface-object', 'a', /(interface Node @key\(fields: "id"\) \{\n {2}id: ID!)/, '$1\n  field: String');
    expect(warningsOf(withSubgraph(auditSubgraphs('non-resolvable-interface-object'), fieldInA))).toEqual([]);
    const sameCurrency = edited('requires-with-argument-conflict', 'a', 'price(currency: "EUR") weight', 'price(currency: "USD") weight');
    const patterns = warningsOf(withSubgraph(auditSubgraphs('requires-with-argument-conflict'), sameCurrency)).map((w) => w.pattern);
    expect(patterns).not.toContain('REQUIRES_ARGUMENTS_CONFLICT');
  });
});

// When one of these fails, @apollo/query-planner plans that suite right: its warning can go.
describe('@apollo/query-planner still plans the audit suites’ failing tests wrongly', () => {
  it('keys-mashup: sends A back to "b" by the key "b" declares resolvable: false', () => {
    const backToB = fetchesOf(plan('keys-mashup', '{ b { id a { id name nameInB } } }')).at(-1)!;
    expect(backToB.service).toBe('b');
    expect(backToB.requires).toContain('"one"');
    expect(backToB.requires).not.toContain('"three"');
  });

  it('non-resolvable-interface-object (test 2): plans no fetch at all for a { field }', () => {
    expect(plan('non-resolvable-interface-object', '{ a { field } }').node).toBeUndefined();
  });

  it('requires-with-argument (tests 3-5): fetches comments(limit: 3) only, where the client asked limit: 1', () => {
    const operations = fetchesOf(plan('requires-with-argument', '{ feed { author { id } comments(limit: 1) { id } } }')).map((f) => f.operation);
    expect(operations.join('\n')).toContain('comments(limit:3)');
    expect(operations.join('\n')).not.toContain('comments(limit:1)');
  });

  it('requires-with-argument-conflict: fetches Product.price in one currency for both estimates', () => {
    const [first] = fetchesOf(plan('requires-with-argument-conflict', '{ products { upc shippingEstimate shippingEstimateEUR } }'));
    expect(first!.operation.match(/price\(currency:"(USD|EUR)"\)/g)).toHaveLength(1);
  });
});

describe('schema:check warns about a planner pattern the change brings in', () => {
  it('warns when the change brings the pattern in, naming it, and passes', async () => {
    const base = withSubgraph(auditSubgraphs('keys-mashup'), resolvableKeyFirst());
    const report = await checkSuite(
      'keys-mashup',
      auditSubgraphs('keys-mashup').find((s) => s.name === 'b')!,
      base,
    );
    expect(report.ok).toBe(true);
    expect(report.plannerWarnings.map((w) => w.pattern)).toEqual(['REQUIRES_REENTRY_KEY_NOT_RESOLVABLE']);
  });

  it('does not warn about a pattern the base supergraph already has, nor about an unrelated change', async () => {
    const unrelated = edited('requires-with-argument', 'b', 'name: String', 'name: String\n  description: String');
    const report = await checkSuite('requires-with-argument', unrelated);
    expect(report.changes.map((c) => c.path)).toEqual(['Product.description']);
    expect(report.plannerWarnings).toEqual([]);
  });

  it('does not warn about an unrelated change to the platform', async () => {
    const subgraphs = workingTreeSubgraphs(demoConfig);
    const products = subgraphs.find((s) => s.name === 'products')!;
    const report = await checkSchema({
      subgraphs,
      proposal: { ...products, sdl: products.sdl.replace('priceCents: Int!', 'priceCents: Int!\n  description: String'), origin: 'proposed.graphql' },
      baseSupergraphSdl: COMMITTED,
      operations: { operationGlobs: [], manifestGlobs: [], cwd: dir },
    });
    expect(report).toMatchObject({ ok: true, plannerWarnings: [], warnings: [] });
  });

  it('names the pattern, the fields and what goes wrong, as text and --json, for a platform subgraph (exit 0)', async () => {
    // Bob's products hang a coupon stock label off Coupon.remaining, and key Coupon by its own sku first.
    const products = workingTreeSubgraphs(demoConfig).find((s) => s.name === 'products')!;
    const sdl = products.sdl
      .replace(/(@link\(url: "[^"]+", import: \[[^\]]*)\]/, '$1, "@external", "@requires"]')
      .replace(
        'priceCents: Int!\n}',
        'priceCents: Int!\n  coupon: Coupon\n}\n\ntype Coupon @key(fields: "sku", resolvable: false) @key(fields: "id") {\n  id: ID!\n  sku: String!\n  remaining: Int! @external\n  stockLabel: String! @requires(fields: "remaining")\n}',
      );
    expect(sdl).toContain('stockLabel');
    const file = join(dir, 'products.graphql');
    writeFileSync(file, sdl);
    const run = (...extra: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'schema/schema-check.ts', '--subgraph', 'products', '--schema', file, ...extra], {
        cwd: ROOT,
      });
    const [text, json] = await Promise.all([run(), run('--json')]);
    expect(text.stdout).toContain('Query planner warnings: 1');
    expect(text.stdout).toMatch(
      /! REQUIRES_REENTRY_KEY_NOT_RESOLVABLE \(Coupon, Coupon\.stockLabel\): .*first @key of Coupon in "products" .* is "sku", declared resolvable: false\. Queries selecting Coupon\.stockLabel get null/,
    );
    expect(text.stdout).toContain('Result: PASS (with warnings)');
    const report = JSON.parse(json.stdout) as SchemaCheckReport;
    expect(report.ok).toBe(true);
    expect(report.plannerWarnings).toEqual([
      expect.objectContaining({ pattern: 'REQUIRES_REENTRY_KEY_NOT_RESOLVABLE', auditSuite: 'keys-mashup', subgraphs: ['products'] }),
    ]);
  });
});

// The fixtures are the audit's SDL, not a paraphrase: each parses and keeps its credit line.
it('keeps the audit’s credit and license beside its schemas', () => {
  expect(readFileSync(join(AUDIT, 'LICENSE'), 'utf8')).toContain('Copyright (c) 2024 - The Guild');
  for (const suite of ['keys-mashup', 'non-resolvable-interface-object', 'requires-with-argument', 'requires-with-argument-conflict'] as const)
    for (const subgraph of auditSubgraphs(suite)) {
      expect(subgraph.sdl).toMatch(/^# From graphql-hive\/federation-gateway-audit/);
      expect(() => print(parse(subgraph.sdl))).not.toThrow();
    }
});

/**
 * Layers point down (STYLE.md rule 15): every import of the repository's TypeScript keeps the layer table
 * in layer-rules.ts (packages, then platform, then the services, with dev, bench and test on top), and no
 * files import each other in a cycle. Type-only imports count: they couple the files all the same.
 */
import { describe, expect, it } from 'vitest';
import { describeCycle, importCycles } from './cycles.js';
import { moduleSpecifiers, readImportGraph, REPOSITORY_ROOT, type ImportEdge } from './import-graph.js';
import { layerViolations, placeOf } from './layer-rules.js';

const graph = readImportGraph(REPOSITORY_ROOT);
const fileEdges = graph.edges.flatMap((edge) => (edge.file ? [[edge.from, edge.file] as const] : []));

describe('the layers of the repository', () => {
  it('reads the whole repository', () => {
    expect(graph.files).toContain('platform/env.ts');
    expect(graph.files).toContain('packages/subgraph-kit/src/index.ts');
    expect(graph.files.some((file) => file.includes('/generated/') || file.startsWith('bench/peers/'))).toBe(false);
  });

  it('places every source file in a layer of the table', () => {
    expect(graph.files.filter((file) => !placeOf(file))).toEqual([]);
  });

  it('has no import that points up a layer or into another service’s internals', () => {
    expect(layerViolations(graph.edges)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(importCycles(fileEdges).map(describeCycle)).toEqual([]);
  });
});

describe('the layer check itself', () => {
  const edge = (from: string, file: string, specifier = `./${file}`): ImportEdge => ({ from, file, specifier });

  it('counts type-only imports, re-exports and import types, and not imports written in comments or strings', () => {
    const source = [
      "import type { A } from './a.js';",
      "export { b } from './b.js';",
      "type C = typeof import('./c.js');",
      "// import { d } from './d.js';",
      "const e = `import { e } from './e.js'`;",
      '/** @example import { f } from "./f.js" */',
    ].join('\n');
    expect(moduleSpecifiers('x.ts', source)).toEqual(['./a.js', './b.js', './c.js']);
  });

  it('names the importing file, the imported file and the rule broken', () => {
    expect(layerViolations([edge('platform/process/run.ts', 'schema/supergraph-config.ts', '../../schema/supergraph-config.js')])).toEqual([
      "platform/process/run.ts imports schema/supergraph-config.ts ('../../schema/supergraph-config.js'): platform/ is the bottom layer and imports only platform/ and the packages; move what it needs down",
    ]);
    expect(layerViolations([edge('gateway/viewer.ts', 'subgraphs/identity/login.ts')])[0]).toMatch(
      /^gateway\/viewer\.ts imports subgraphs\/identity\/login\.ts .*internal to subgraphs\/identity/,
    );
    expect(layerViolations([edge('packages/client/src/a.ts', 'platform/errors.ts')])[0]).toMatch(/a package imports only its own files/);
    expect(layerViolations([edge('console/main.ts', 'packages/subgraph-kit/src/index.ts')])[0]).toMatch(/by its package name/);
  });

  it('lets services use the entry points listed for them, and the top layer anything', () => {
    expect(
      layerViolations([
        edge('console/main.ts', 'subgraphs/identity/privacy-api.ts'),
        edge('subgraphs/coupons/subgraph.ts', 'subgraphs/merchant-process/merchant-subgraph.ts'),
        edge('test/support/system.ts', 'subgraphs/identity/login.ts'),
        { from: 'gateway/main.ts', specifier: '@identity-federation-gateway/subgraph-kit', packageDir: 'packages/subgraph-kit' },
      ]),
    ).toEqual([]);
    expect(layerViolations([edge('gateway/main.ts', 'subgraphs/identity/privacy-api.ts')])[0]).toMatch(/for console only, not for gateway/);
  });

  it('reports each cycle as a path of files', () => {
    const cycles = importCycles([
      ['a.ts', 'b.ts'],
      ['b.ts', 'c.ts'],
      ['c.ts', 'a.ts'],
      ['c.ts', 'd.ts'],
      ['e.ts', 'e.ts'],
    ]);
    expect(cycles.map(describeCycle)).toEqual(['a.ts → b.ts → c.ts → a.ts', 'e.ts → e.ts']);
  });
});

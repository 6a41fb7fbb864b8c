/**
 * The kit installs outside this repository: every file imports only files of the kit, Node built-ins,
 * and the packages its package.json declares, never a package's internals; its public entry exports
 * what the subgraphs here use.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as kit from '@identity-federation-gateway/subgraph-kit';

const PACKAGE = fileURLToPath(new URL('../../packages/subgraph-kit/', import.meta.url));
const KIT = join(PACKAGE, 'src');
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!);
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('the kit package', () => {
  it('has its own manifest with one public entry: the built JavaScript and its declarations', () => {
    expect(manifest.name).toBe('@identity-federation-gateway/subgraph-kit');
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  });

  it('imports nothing outside itself but Node built-ins and its declared packages, and no package internals', () => {
    const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }));
    const problems = sourceFiles(KIT).flatMap((file) =>
      importsOf(file).flatMap((specifier) => {
        const where = `${relative(KIT, file)}: ${specifier}`;
        if (specifier.startsWith('.')) return relative(KIT, resolve(file, '..', specifier)).startsWith('..') ? [`${where} leaves the kit`] : [];
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return [];
        if (specifier.includes('/dist/')) return [`${where} reaches into a package's internals`];
        return declared.has(packageOf(specifier)) ? [] : [`${where} is not in the kit's package.json`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('exports what merchant subgraphs build on from its public entry', () => {
    for (const name of ['startMerchantService', 'startSubgraph', 'MerchantViewer', 'SubgraphError', 'DateTime', 'loadTypeDefs', 'verifyIdentity']) {
      expect(kit).toHaveProperty(name);
    }
  });
});

/**
 * Part of `npm run build`: tsc compiles the TypeScript to dist/; the files the compiled processes read at
 * run time (subgraph schemas, the supergraph and its config, the demo platform config, the example
 * mini-program's persisted-documents manifest) are copied beside them, at the same relative paths.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globSync } from 'tinyglobby';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ASSETS = ['schema/*.{graphql,yaml}', 'subgraphs/*/schema.graphql', 'platform/config/*.json', 'examples/mini-program/generated/persisted-documents.json'];

const files = globSync(ASSETS, { cwd: ROOT });
for (const file of files) {
  const target = join(ROOT, 'dist', file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(ROOT, file), target);
}
console.log(`copied ${files.length} run-time files into dist/`);

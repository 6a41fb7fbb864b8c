/**
 * The client's README is enough to use it: it names every export, and the `codegen.ts` it says to copy
 * works in an empty repository with the platform's API schema, writing typed documents with their hashes
 * and a manifest the gateway accepts.
 */
import { generate, type CodegenConfig } from '@graphql-codegen/cli';
import * as client from 'identity-federation-client';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPersistedDocuments } from '../../gateway/features/persisted-documents.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'packages/client/README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'client-codegen-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the client README', () => {
  it('names every export of the package and every class it throws', () => {
    // (`default` is how ESM sees a CommonJS module, not an export of the client's.)
    const missing = Object.keys(client).filter((name) => name !== 'default' && !new RegExp(`\`${name}[\`(]`).test(README));
    expect(missing).toEqual([]);
    for (const thrown of ['TransportError', 'LoginError', 'OperationError']) expect(README).toMatch(new RegExp(`\\| \`${thrown}\` \\|`));
  });

  it('gives a codegen.ts that works copied into an empty repository', async () => {
    const section = README.slice(README.indexOf('## Generated documents'));
    const source = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    expect(source).toContain('export default config;');
    // The copied file, compiled and loaded as GraphQL Code Generator loads it.
    const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const module = { exports: {} as { default?: CodegenConfig } };
    new Function('exports', 'module', 'require', compiled)(module.exports, module, () => ({}));
    const config = module.exports.default!;
    // The repository a mini-program team has: the platform's API schema and an operation of theirs.
    mkdirSync(join(work, 'schema'));
    mkdirSync(join(work, 'src/pages/home'), { recursive: true });
    copyFileSync(join(ROOT, 'schema/api.graphql'), join(work, 'schema/api.graphql'));
    copyFileSync(join(ROOT, 'examples/mini-program/operations/home.graphql'), join(work, 'src/pages/home/home.graphql'));
    await generate({ ...config, cwd: work, silent: true }, true);
    const generated = readFileSync(join(work, 'src/generated/graphql.ts'), 'utf8');
    expect(generated).toContain('export const HomePageDocument = new TypedDocumentString(');
    expect(generated).toMatch(/\{"hash":"[0-9a-f]{64}"\}/);
    expect(generated).toContain('DateTime: { input: string; output: string; }');
    // The manifest it wrote is one the gateway loads (every key the sha256 of its document).
    const manifest = loadPersistedDocuments(join(work, 'src/generated/persisted-documents.json'));
    expect(manifest.size).toBeGreaterThanOrEqual(2);
    expect([...manifest.keys()]).toContain(/\{"hash":"([0-9a-f]{64})"\}/.exec(generated)![1]);
  });
});

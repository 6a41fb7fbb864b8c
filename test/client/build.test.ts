/** The client package builds to ES2017 JavaScript with declarations, depends on nothing at run time, and fits its size budget. */
import { parse } from 'acorn';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_BUDGET_BYTES, measureClientSize, SUBSCRIBE_BUDGET_BYTES } from '../../packages/client/scripts/size.mjs';

const out = mkdtempSync(join(tmpdir(), 'client-dist-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const jsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? jsFiles(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : [],
  );

describe('client package', () => {
  it('compiles to ES2017 (no newer syntax), with .d.ts, requiring nothing outside itself', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const config = fileURLToPath(new URL('../../packages/client/tsconfig.json', import.meta.url));
    const run = spawnSync(process.execPath, [tsc, '-p', config, '--outDir', out], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(readFileSync(join(out, 'index.d.ts'), 'utf8')).toContain('createClient');
    const files = jsFiles(out);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      // acorn at ecmaVersion 2017 rejects object spread, optional chaining, ??, async iteration and the rest.
      expect(() => parse(code, { ecmaVersion: 2017, sourceType: 'script' }), file).not.toThrow();
      const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
      expect(
        required.filter((name) => !name.startsWith('./')),
        file,
      ).toEqual([]);
    }
  });

  it(`keeps its runtime within ${CLIENT_BUDGET_BYTES} bytes minified and gzipped for an app without subscribe, ${SUBSCRIBE_BUDGET_BYTES} with it (generated documents excluded)`, async () => {
    const { runtime, withSubscribe } = await measureClientSize();
    expect(runtime).toBeGreaterThan(1000);
    expect(runtime).toBeLessThanOrEqual(CLIENT_BUDGET_BYTES);
    // Subscriptions are left out of an app that does not import them.
    expect(withSubscribe - runtime).toBeGreaterThan(500);
    expect(withSubscribe).toBeLessThanOrEqual(SUBSCRIBE_BUDGET_BYTES);
  });
});

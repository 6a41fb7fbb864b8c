/** The project's docs stand alone: nothing points outside the repository, and every relative link resolves. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, UnauthenticatedReasons } from '../../platform/errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = [
  'README.md',
  'docs/wechat-api.md',
  'bench/README.md',
  'examples/mini-program/README.md',
  'packages/client/README.md',
  'packages/subgraph-kit/README.md',
];

describe('documentation', () => {
  it('points at no file outside the repository and links only to files that exist', () => {
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      expect(text, doc).not.toMatch(/\.\.\/shared|\/work\/shared/);
      for (const [, target] of text.matchAll(/\]\((?!https?:|#)([^)#\s]+)/g)) {
        expect(existsSync(join(ROOT, dirname(doc), target!)), `${doc} → ${target}`).toBe(true);
      }
    }
  });

  it('lists every error code and every reason for UNAUTHENTICATED in the README\u2019s Errors section', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const errors = readme.slice(readme.indexOf('## Errors'));
    const section = errors.slice(0, errors.indexOf('\n## ', 3));
    const missing = [...Object.keys(ErrorCodes), ...Object.keys(UnauthenticatedReasons)].filter((name) => !section.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

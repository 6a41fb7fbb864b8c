/**
 * The project's docs stand alone: nothing points outside the repository, every relative link resolves,
 * and the README stays a map: short, with a table of contents, the commands that start and test
 * everything, every error code and every environment variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, UnauthenticatedReasons } from '../../platform/errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = [
  'README.md',
  'docs/wechat-api.md',
  'docs/development-stand-ins.md',
  'docs/linking.md',
  'docs/privacy.md',
  'docs/merchant-guide.md',
  'docs/operating.md',
  'docs/operator-console.md',
  'bench/README.md',
  'examples/mini-program/README.md',
  'packages/client/README.md',
  'packages/subgraph-kit/README.md',
];
/** The pages written as the README's map and its detail: their links to headings must resolve too. */
const MAP = DOCS.filter((doc) => doc === 'README.md' || doc.startsWith('docs/'));
/** The files that define environment variables (zod schemas keyed by variable name). */
const ENV_SOURCES = ['platform/env.ts', 'gateway/gateway-settings.ts'];

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const readme = read('README.md');

/** The text of the `## title` section of a Markdown document, up to the next `## ` heading. */
function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (but `-` and `_`), spaces to `-`. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors of every heading of a Markdown document, fenced code left out. */
const anchorsOf = (text: string) => new Set([...text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchorOf(heading!)));

describe('documentation', () => {
  it('points at no file outside the repository and links only to files that exist', () => {
    for (const doc of DOCS) {
      const text = read(doc);
      expect(text, doc).not.toMatch(/\.\.\/shared|\/work\/shared/);
      for (const [, target] of text.matchAll(/\]\((?!https?:|#)([^)#\s]+)/g)) {
        expect(existsSync(join(ROOT, dirname(doc), target!)), `${doc} → ${target}`).toBe(true);
      }
    }
  });

  it('links from the README and docs/ only to headings that exist', () => {
    for (const doc of MAP) {
      for (const [, file, anchor] of read(doc).matchAll(/\]\((?!https?:)([^)#\s]*)#([^)\s]+)\)/g)) {
        const target = file ? join(dirname(doc), file!) : doc;
        if (!target.endsWith('.md')) continue;
        expect(anchorsOf(read(target)).has(anchor!), `${doc} → ${file}#${anchor}`).toBe(true);
      }
    }
  });

  it('lists every error code and every reason for UNAUTHENTICATED in the README\u2019s Errors section', () => {
    const errors = section(readme, 'Errors');
    expect(errors).not.toBe('');
    const missing = [...Object.keys(ErrorCodes), ...Object.keys(UnauthenticatedReasons)].filter((name) => !errors.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

describe('the README as a map', () => {
  it('is shorter than 400 lines', () => {
    expect(readme.split('\n').length).toBeLessThan(400);
  });

  it('has a table of contents whose every entry links to a heading of the README, and every section in it', () => {
    const contents = section(readme, 'Contents');
    const list = contents.trim().split(/\n\s*\n/)[1] ?? ''; // the first paragraph under the heading; the docs/ map follows it
    const entries = [...list.matchAll(/\[[^\]]+\]\(([^)]*)\)/g)].map(([, link]) => link!);
    expect(entries.length).toBeGreaterThan(5);
    const anchors = anchorsOf(readme);
    for (const link of entries) {
      expect(link, 'a table of contents entry links within the README').toMatch(/^#/);
      expect(anchors.has(link.slice(1)), `Contents → ${link}`).toBe(true);
    }
    const sections = [...readme.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^## (.+)$/gm)].map(([, heading]) => `#${anchorOf(heading!)}`);
    expect(sections.filter((link) => link !== '#contents' && !entries.includes(link))).toEqual([]);
  });

  it('starts and tests everything with the commands of its quick start', () => {
    const quickStart = section(readme, 'Quick start');
    expect(quickStart).toContain('npm ci && npm start');
    expect(quickStart).toContain('npm ci && npm test');
  });

  it('names every environment variable of platform/env.ts and gateway/gateway-settings.ts in its configuration table', () => {
    const variables = ENV_SOURCES.flatMap((file) => [...read(file).matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map(([, name]) => name!));
    expect(variables.length).toBeGreaterThan(40);
    const table = section(readme, 'Configuration')
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .join('\n');
    expect(variables.filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
  });
});

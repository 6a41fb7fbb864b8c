/**
 * `schema:check`'s command line: `--help` describes every flag and exits 0; a `--subgraph` the working
 * tree does not have is the first and only thing reported (naming the closest subgraph, exit 2), before
 * any file is read; `--new` checks a subgraph the platform does not have yet.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CHECK_OPTIONS, CheckUsageError, parseCheckArguments } from '../../schema/check/check-arguments.js';
import { closestName, editDistance } from '../../schema/check/closest-name.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KNOWN = ['identity', 'coupons', 'products'];

/** `npm run schema:check -- <args>` as a process: its exit code and what it printed where. */
const schemaCheck = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'schema/schema-check.ts', ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('npm run schema:check -- --help', () => {
  it('prints every flag with what it does, an example and the exit codes, and exits 0', async () => {
    const { code, stdout, stderr } = await schemaCheck('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const flag of Object.keys(CHECK_OPTIONS)) expect(stdout).toMatch(new RegExp(`^\\s+(-\\w, )?--${flag}\\b.*\\S+\\s{2,}\\S`, 'm'));
    expect(stdout).toContain('npm run schema:check -- --subgraph coupons --schema coupons.proposed.graphql');
    expect(stdout).toMatch(/exit codes: 0 pass; 1 .*; 2 bad arguments/);
  });

  it('is help even beside other flags, and asks for no subgraph list', () => {
    const known = () => {
      throw new Error('read supergraph.yaml');
    };
    expect(parseCheckArguments(['--subgraph', 'cupons', '-h'], known)).toBe('help');
  });
});

describe('npm run schema:check -- --subgraph <unknown>', () => {
  it('reports the unknown name first, with the closest subgraph, before reading any file, and exits 2', async () => {
    const { code, stdout, stderr } = await schemaCheck('--subgraph', 'cupons', '--schema', 'no/such/proposed.graphql', '--base', 'no/such/supergraph.graphql');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const [first, ...rest] = stderr.split('\n');
    expect(first).toBe(
      'schema:check: there is no subgraph "cupons": did you mean coupons? (subgraphs: identity, coupons, products; to check a subgraph the platform does not have yet, add --new)',
    );
    expect(rest.join('\n')).not.toMatch(/cannot read|proposed\.graphql/);
  });

  it('reports the unknown name before a missing --schema', async () => {
    const { code, stderr } = await schemaCheck('--subgraph', 'prodcuts');
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toContain('there is no subgraph "prodcuts": did you mean products?');
    expect(stderr).not.toContain('--subgraph and --schema go together');
  });

  it('names the closest subgraph even for a name that is no typo, and points at --new', () => {
    expect(() => parseCheckArguments(['--subgraph', 'teashop', '--schema', 't.graphql'], () => KNOWN)).toThrow(
      new CheckUsageError(
        'there is no subgraph "teashop": the closest is identity. (subgraphs: identity, coupons, products; to check a subgraph the platform does not have yet, add --new)',
      ),
    );
  });
});

describe('parseCheckArguments', () => {
  it('takes a new subgraph with --new, and refuses --new for one the platform has', () => {
    expect(parseCheckArguments(['--subgraph', 'teashop', '--schema', 't.graphql', '--new'], () => KNOWN)).toMatchObject({
      proposal: { subgraph: 'teashop', schemaFile: 't.graphql', isNew: true },
    });
    expect(() => parseCheckArguments(['--subgraph', 'coupons', '--schema', 'c.graphql', '--new'], () => KNOWN)).toThrow(
      /"coupons" is already a subgraph of the platform; leave --new out/,
    );
  });

  it('keeps the existing flags: a known subgraph with its schema, operation sources, base and --json', () => {
    const argv = ['--subgraph', 'coupons', '--schema', 'c.graphql', '--operations', 'a/*.graphql', '--operations', 'b/*.graphql'];
    expect(parseCheckArguments([...argv, '--manifest', 'm.json', '--base', 'old.graphql', '--json'], () => KNOWN)).toEqual({
      proposal: { subgraph: 'coupons', schemaFile: 'c.graphql', url: undefined, isNew: false },
      operationGlobs: ['a/*.graphql', 'b/*.graphql'],
      manifestGlobs: ['m.json'],
      baseFile: 'old.graphql',
      json: true,
    });
    expect(parseCheckArguments([], () => KNOWN)).toEqual({ baseFile: 'schema/supergraph.graphql', json: false });
  });

  it('refuses flags that describe no proposal, and an unknown flag', () => {
    expect(() => parseCheckArguments(['--schema', 'c.graphql'], () => KNOWN)).toThrow('--subgraph and --schema go together');
    expect(() => parseCheckArguments(['--new'], () => KNOWN)).toThrow(/give --subgraph and --schema too/);
    expect(() => parseCheckArguments(['--subgraph', 'coupons', '--schema', 'c', '--url', 'nope'], () => KNOWN)).toThrow('--url nope is not a URL');
    expect(() => parseCheckArguments(['--bogus'], () => KNOWN)).toThrow(CheckUsageError);
  });
});

describe('closestName', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('cupons', 'coupons')).toBe(1);
    expect(editDistance('prodcuts', 'products')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('finds the known name fewest edits away, ignoring case', () => {
    expect(closestName('Cupons', KNOWN)).toEqual({ name: 'coupons', distance: 1 });
    expect(closestName('identty', KNOWN)).toEqual({ name: 'identity', distance: 1 });
    expect(closestName('x', [])).toBeUndefined();
  });
});

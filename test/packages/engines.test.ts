/**
 * `npm ci` is quiet: every package the lockfile installs accepts every Node version the project's
 * `engines` accepts (npm warns EBADENGINE for each one that does not). Pin what needs a newer Node in
 * package.json's overrides, or raise `engines` honestly.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const semver = createRequire(import.meta.url)('semver') as { subset(sub: string, dom: string): boolean };
const ROOT = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', ROOT), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('npm ci on the Node versions engines accepts', () => {
  it('installs no package that asks for another Node', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, { version, engines }]) => {
        const node = Array.isArray(engines) ? undefined : engines?.node;
        return node && !semver.subset(manifest.engines.node, node) ? [`${path.replace(/^.*node_modules\//, '')}@${version}: node ${node}`] : [];
      });
    expect(refusing).toEqual([]);
  });
});

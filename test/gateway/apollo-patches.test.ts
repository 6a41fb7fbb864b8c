/**
 * The Apollo patches install only on the very modules the running gateway loads, at the version they
 * were written for, with every Apollo function they call present; otherwise they stay out with one
 * warning each, and the gateway answers right on Apollo's own code. Proved on gateway processes whose
 * @apollo/gateway loads a second copy of @apollo/federation-internals (what npm does when the two are
 * upgraded apart), and on the guard's checks directly. The processes trace (to a collector that is not
 * there): then Apollo's own executeQueryPlan runs and hands the result shaper operations built by the
 * gateway's copy, which a shaper compiled with the other copy's classes once answered wrongly.
 */
import { ApolloGateway } from '@apollo/gateway';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { apolloModulesOf, helper, PATCHED_APOLLO_VERSION, PatchesRefused, replaceable } from '../../gateway/apollo-patches/apollo-modules.js';
import { installApolloPatches } from '../../gateway/apollo-patches/index.js';
import { createLogger } from '../../platform/logger.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { PROCESS_TEST_TIMEOUT_MS } from '../support/system.js';
import { syntheticSupergraphFile } from '../support/synthetic-supergraph.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** A copy of @apollo/federation-internals claiming `version`, for the preload to hand Apollo's packages. */
function secondCopy(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'federation-internals-'));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'federation-internals');
  cpSync(join(ROOT, 'node_modules/@apollo/federation-internals'), copy, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...manifest, version }));
  return copy;
}

const INCLUDE = 'query($s: Boolean!) { topProducts(first: 2) { upc reviews @include(if: $s) { id } inStock @skip(if: $s) } }';

/** The gateway process, its Apollo packages on `copy`. */
async function gatewayWith(copy: string) {
  const gateway = await startGatewayProcess({
    SUPERGRAPH: await syntheticSupergraphFile(closers),
    NODE_OPTIONS: `--require ${join(ROOT, 'test/support/second-federation-internals.cjs')}`,
    NODE_PATH: join(ROOT, 'node_modules'),
    SECOND_FEDERATION_INTERNALS: copy,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  });
  closers.push(() => gateway.stop());
  return gateway;
}

async function ask(url: string, s: boolean): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: INCLUDE, variables: { s } }),
  });
  return response.json();
}

describe('Apollo patches on a gateway whose @apollo/gateway loads its own @apollo/federation-internals', () => {
  it(
    'stay out, warn once each, and @include/@skip with variables answer right when that copy is another version',
    async () => {
      const gateway = await gatewayWith(secondCopy('2.14.99'));
      const without = (await ask(gateway.url, false)) as { data: { topProducts: Record<string, unknown>[] } };
      expect(without.data.topProducts.map((p) => Object.keys(p))).toEqual([
        ['upc', 'inStock'],
        ['upc', 'inStock'],
      ]);
      const withReviews = (await ask(gateway.url, true)) as { data: { topProducts: Record<string, unknown>[] } };
      expect(withReviews.data.topProducts.map((p) => Object.keys(p))).toEqual([
        ['upc', 'reviews'],
        ['upc', 'reviews'],
      ]);
      const warnings = gateway.output().filter((line) => line.includes('Apollo patches not installed'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`@apollo/federation-internals is 2.14.99; the patches were written for ${PATCHED_APOLLO_VERSION}`);
      const metrics = await gateway.metrics();
      expect(metrics.gateway_result_shaping_shaped_total).toBe(0);
      expect(metrics.gateway_operation_cache_hits_total).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'install on that copy, the one the gateway uses, when it is the version they were written for',
    async () => {
      const gateway = await gatewayWith(secondCopy(PATCHED_APOLLO_VERSION));
      for (let i = 0; i < 2; i++) {
        const without = (await ask(gateway.url, false)) as { data: { topProducts: Record<string, unknown>[] } };
        expect(without.data.topProducts.map((p) => Object.keys(p))).toEqual([
          ['upc', 'inStock'],
          ['upc', 'inStock'],
        ]);
      }
      expect(gateway.output().filter((line) => line.includes('not installed'))).toEqual([]);
      const metrics = await gateway.metrics();
      expect(metrics.gateway_result_shaping_shaped_total).toBeGreaterThan(0);
      expect(metrics.gateway_operation_cache_hits_total).toBeGreaterThan(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe('the guard', () => {
  it('finds the modules of the gateway that serves, at the version the patches were written for', () => {
    const modules = apolloModulesOf(ApolloGateway);
    expect(typeof modules.executing.executeQueryPlan).toBe('function');
    expect(typeof modules.operations.operationFromDocument).toBe('function');
    expect(modules.graphql.Kind.FIELD).toBe('Field');
  });

  it('refuses a gateway class that is not the @apollo/gateway it would patch, and installs nothing, with one warning', () => {
    expect(() => apolloModulesOf(class NotTheGateway {})).toThrow(PatchesRefused);
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').trim().split('\n')));
    const stats = installApolloPatches(class NotTheGateway {}, createLogger('patches', 'info', stream));
    expect(stats.installed).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: "Apollo patches not installed: serving on Apollo's own code" });
  });

  it('names the Apollo function that is gone, or that can no longer be replaced', () => {
    expect(() => helper({}, 'deepMerge')).toThrow("Apollo's deepMerge is gone");
    const frozen = Object.freeze({ computeResponse: () => undefined });
    expect(() => replaceable(frozen, 'computeResponse')).toThrow("Apollo's computeResponse can no longer be replaced");
    expect(helper({ deepMerge: () => 1 }, 'deepMerge')()).toBe(1);
  });
});

/** The gateways under test: composing a supergraph, installing Hive Gateway, starting each target. */
import { composeServices } from '@apollo/composition';
import type { DocumentNode } from 'graphql';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIONS } from './options.js';
import { ROOT, freePort, start, waitForGraphQL, type Running } from './processes.js';

export const RESULTS = join(ROOT, 'bench', 'results');
/** Hive Gateway's command line, once installed into bench/peers. */
export const HIVE_BIN = join(ROOT, 'bench', 'peers', 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
const HIVE_BENCHMARK_CONFIG = join(ROOT, 'bench', 'peers', 'hive-benchmark.config.mjs');

export interface Target {
  name: string;
  url: string;
  process?: Running;
}

const running: Running[] = [];
/** Remembers a started process so it is killed if the run exits early. */
export const track = (r: Running) => (running.push(r), r);
process.on('exit', () => running.forEach((r) => r.child.kill('SIGKILL')));

/** Installs Hive Gateway into bench/peers on first use; says why it is missing if it cannot be had. */
export function hiveAvailable(): string | undefined {
  if (OPTIONS.noHive) return 'skipped (--no-hive)';
  if (!existsSync(HIVE_BIN)) {
    console.log('installing @graphql-hive/gateway into bench/peers (first run only)...');
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: join(ROOT, 'bench', 'peers'), stdio: 'inherit' });
    if (install.status !== 0 || !existsSync(HIVE_BIN)) return 'not installed: npm install in bench/peers failed';
  }
  return undefined;
}

/** Composes subgraphs at `urls` into a supergraph file in bench/results; returns its path. */
export function compose(name: string, subgraphs: { name: string; typeDefs: DocumentNode }[], urls: Record<string, string>): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name]! })));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.supergraph.graphql`);
  writeFileSync(file, result.supergraphSdl);
  return file;
}

/**
 * Every request of the load generator comes from one address, so our per-address login and refresh limits
 * (30 and 60 a minute) would answer scenario c with 429s: they are lifted for the benchmark (peers have none).
 */
const UNLIMITED_LOGINS = { RATE_LIMIT_LOGIN_PER_ADDRESS: '1000000000', RATE_LIMIT_LOGIN_PER_APP: '1000000000', RATE_LIMIT_REFRESH_PER_ADDRESS: '1000000000' };

/**
 * Starts one target listening on 127.0.0.1:`port` and waits until it answers: the benchmark's lifted login
 * limits, warnings-only logs, and a V8 CPU profile when `--profile` names it.
 */
export async function launchTarget(name: string, file: string, args: string[], env: NodeJS.ProcessEnv, port: number, tsx = true): Promise<Target> {
  const profiling = OPTIONS.profiled.has(name) ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`] : [];
  const proc = track(start(name, file, args, { ...UNLIMITED_LOGINS, ...env, LOG_LEVEL: 'warn' }, tsx, profiling));
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForGraphQL(proc, url);
  return { name, url, process: proc };
}

/**
 * Starts the gateways under test on one supergraph: ours-injection only with `injectionEnv`, and with
 * `injectionWithoutMerging` also ours-injection-no-dedupe, the same with every merging off (the pair
 * ours-injection-no-dedupe / ours-no-dedupe differs in injection alone).
 */
export async function startGateways(supergraph: string, injectionEnv?: NodeJS.ProcessEnv, injectionWithoutMerging = false): Promise<Target[]> {
  const targets: Target[] = [];
  const add = async (name: string, file: string, args: string[], env: NodeJS.ProcessEnv, port: number, tsx = true) => {
    if (OPTIONS.targets && !OPTIONS.targets.has(name)) return;
    targets.push(await launchTarget(name, file, args, env, port, tsx));
  };
  if (injectionEnv) {
    const port = await freePort();
    await add('ours-injection', 'gateway/main.ts', [], { ...injectionEnv, SUPERGRAPH: supergraph, PORT: String(port) }, port);
    if (injectionWithoutMerging) {
      const port = await freePort();
      const env = { ...injectionEnv, SUPERGRAPH: supergraph, PORT: String(port), GATEWAY_DEDUPE: 'false' };
      await add('ours-injection-no-dedupe', 'gateway/main.ts', [], env, port);
    }
  }
  let port = await freePort();
  await add('ours-plain', 'gateway/main.ts', [], { SUPERGRAPH: supergraph, PORT: String(port), PLATFORM_CONFIG: undefined }, port);
  port = await freePort();
  await add('ours-no-dedupe', 'gateway/main.ts', [], { SUPERGRAPH: supergraph, PORT: String(port), PLATFORM_CONFIG: undefined, GATEWAY_DEDUPE: 'false' }, port);
  port = await freePort();
  // Default settings, except that it sends no usage reports to Apollo (nothing leaves this machine).
  await add('stock-apollo', 'bench/targets/stock-apollo-gateway.ts', [supergraph, String(port)], { APOLLO_TELEMETRY_DISABLED: 'true' }, port);
  if (existsSync(HIVE_BIN) && !OPTIONS.noHive) {
    port = await freePort();
    await add('hive', HIVE_BIN, ['supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1'], { FORK: '1' }, port, false);
    port = await freePort();
    const benchmarkConfig = ['-c', HIVE_BENCHMARK_CONFIG, '--jit'];
    await add(
      'hive-bench',
      HIVE_BIN,
      ['supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1', ...benchmarkConfig],
      { FORK: '1' },
      port,
      false,
    );
  }
  return targets;
}

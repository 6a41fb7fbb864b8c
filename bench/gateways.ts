/** The gateways under test: composing a supergraph, installing the peer gateways, starting each target. */
import { composeServices } from '@apollo/composition';
import { print, type DocumentNode } from 'graphql';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../gateway/node-flags.js';
import { OPTIONS } from './options.js';
import { GRAFBASE, GRAFBASE_NO_DEDUPE } from './report.js';
import { ROOT, freePort, start, startCommand, waitForGraphQL, type Running } from './processes.js';

export const RESULTS = join(ROOT, 'bench', 'results');
const PEERS = join(ROOT, 'bench', 'peers');
/** Hive Gateway's command line, once installed into bench/peers. */
export const HIVE_BIN = join(PEERS, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
const HIVE_BENCHMARK_CONFIG = join(PEERS, 'hive-benchmark.config.mjs');
/** Hive Gateway with the Rust query planner (`@graphql-hive/router-runtime`), default and benchmark settings. */
const HIVE_RUST_CONFIG = join(PEERS, 'hive-rust.config.mjs');
const HIVE_RUST_BENCHMARK_CONFIG = join(PEERS, 'hive-rust-benchmark.config.mjs');
const ROUTER_RUNTIME = join(PEERS, 'node_modules', '@graphql-hive', 'router-runtime', 'package.json');
/** The Grafbase CLI's binary (Rust), from its npm package. */
export const GRAFBASE_BIN = join(PEERS, 'node_modules', '@grafbase', 'cli-x86_64-unknown-linux-musl', 'grafbase');

export interface Target {
  name: string;
  url: string;
  process?: Running;
}

const running: Running[] = [];
/** Remembers a started process so it is killed if the run exits early. */
export const track = (r: Running) => (running.push(r), r);
process.on('exit', () => running.forEach((r) => r.child.kill('SIGKILL')));

/** Installs the peer gateways into bench/peers on first use; says why they are missing if they cannot be had. */
export function peersAvailable(): string | undefined {
  if (OPTIONS.noHive) return 'skipped (--no-hive)';
  if (![HIVE_BIN, ROUTER_RUNTIME, GRAFBASE_BIN].every((file) => existsSync(file))) {
    console.log('installing the peer gateways into bench/peers (Hive Gateway, its Rust planner, the Grafbase CLI)...');
    const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: 'inherit' });
    if (install.status !== 0 || !existsSync(HIVE_BIN)) return 'not installed: npm ci in bench/peers failed';
  }
  return undefined;
}

/** A supergraph file for the JavaScript gateways, and a `grafbase.toml` with each subgraph's SDL (Grafbase composes itself). */
export interface Composed {
  supergraph: string;
  grafbaseConfig: string;
  /** The same with Grafbase's in-flight subgraph request deduplication (on by default) off. */
  grafbaseNoDedupeConfig: string;
}

/** Composes subgraphs at `urls` into files in bench/results/`name`.*: the supergraph and Grafbase's configuration. */
export function compose(name: string, subgraphs: { name: string; typeDefs: DocumentNode }[], urls: Record<string, string>): Composed {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name]! })));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  const schemas = join(RESULTS, `${name}.subgraphs`);
  mkdirSync(schemas, { recursive: true });
  const supergraph = join(RESULTS, `${name}.supergraph.graphql`);
  writeFileSync(supergraph, result.supergraphSdl);
  const toml = subgraphs.map((s) => {
    const schemaPath = join(schemas, `${s.name}.graphql`);
    writeFileSync(schemaPath, print(s.typeDefs));
    return `[subgraphs.${s.name}]\nurl = ${JSON.stringify(urls[s.name])}\nschema_path = ${JSON.stringify(schemaPath)}\n`;
  });
  const grafbaseConfig = join(RESULTS, `${name}.grafbase.toml`);
  writeFileSync(grafbaseConfig, toml.join('\n'));
  const grafbaseNoDedupeConfig = join(RESULTS, `${name}.grafbase-no-dedupe.toml`);
  writeFileSync(grafbaseNoDedupeConfig, ['[traffic_shaping]\ninflight_deduplication = false\n', ...toml].join('\n'));
  return { supergraph, grafbaseConfig, grafbaseNoDedupeConfig };
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
export async function launchTarget(
  name: string,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  tsx = true,
  cwd = ROOT,
  // This gateway runs as it ships (npm run start:prod), with its Node flags; a --baseline checkout as that commit shipped.
  nodeFlags: readonly string[] | undefined = undefined,
): Promise<Target> {
  nodeFlags ??= file === 'gateway/main.ts' ? await shippedNodeFlags(cwd) : [];
  const profiling = OPTIONS.profiled.has(name) ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`] : [];
  const proc = track(start(name, file, args, { ...UNLIMITED_LOGINS, ...env, LOG_LEVEL: 'warn' }, tsx, [...nodeFlags, ...profiling], false, cwd));
  return answering(proc, port);
}

/**
 * A checkout of `--baseline` (a git worktree under bench/results, sharing this checkout's node_modules), so
 * a round's figures are compared with the commit it started from in the same run, on the same machine.
 */
function baselineCheckout(): string | undefined {
  if (!OPTIONS.baseline) return undefined;
  const commit = spawnSync('git', ['rev-parse', '--short', OPTIONS.baseline], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  if (!commit) throw new Error(`--baseline ${OPTIONS.baseline} is not a commit of this repository`);
  const dir = join(RESULTS, `baseline-${commit}`);
  if (!existsSync(dir)) {
    const added = spawnSync('git', ['worktree', 'add', '--detach', dir, commit], { cwd: ROOT, stdio: 'inherit' });
    if (added.status !== 0) throw new Error(`git worktree add ${dir} failed`);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  }
  return dir;
}

/** The Node flags the gateway in checkout `cwd` ships with (gateway/node-flags.ts; none before that file existed). */
async function shippedNodeFlags(cwd: string): Promise<readonly string[]> {
  if (cwd === ROOT) return GATEWAY_NODE_FLAGS;
  const file = join(cwd, 'gateway', 'node-flags.ts');
  if (!existsSync(file)) return [];
  return ((await import(pathToFileURL(file).href)) as { GATEWAY_NODE_FLAGS: readonly string[] }).GATEWAY_NODE_FLAGS;
}

async function answering(proc: Running, port: number): Promise<Target> {
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForGraphQL(proc, url);
  return { name: proc.name, url, process: proc };
}

/** A copy of the supergraph file at `file` with every `@policy(...)` application removed; returns its path. */
export function withoutPolicies(file: string): string {
  const stripped = file.replace(/\.supergraph\.graphql$/, '.no-policies.supergraph.graphql');
  writeFileSync(stripped, readFileSync(file, 'utf8').replace(/ @policy\(policies: \[[^)]*\]\)/g, ''));
  return stripped;
}

/**
 * Grafbase's gateway as its CLI serves it offline (`grafbase dev`: it composes the subgraphs' SDL itself and
 * cannot read a supergraph). HOME is a scratch folder: the CLI unpacks its web UI there.
 */
async function launchGrafbase(name: string, config: string, port: number): Promise<Target> {
  const home = join(RESULTS, 'grafbase-home');
  mkdirSync(home, { recursive: true });
  return answering(track(startCommand(name, GRAFBASE_BIN, ['dev', '-c', config, '--port', String(port)], { HOME: home })), port);
}

/**
 * Starts the gateways under test on one supergraph: ours-injection only with `injectionEnv`, and with
 * `injectionWithoutMerging` also ours-injection-no-dedupe, the same with every merging off (the pair
 * ours-injection-no-dedupe / ours-no-dedupe differs in injection alone). The peers: stock @apollo/gateway,
 * Hive Gateway (JavaScript and Rust planner, each at defaults and at its benchmark settings) and Grafbase.
 */
export async function startGateways(composed: Composed, injectionEnv?: NodeJS.ProcessEnv, injectionWithoutMerging = false): Promise<Target[]> {
  const { supergraph } = composed;
  // Without the platform (no PLATFORM_CONFIG) our gateway cannot evaluate the merchants' @policy fields and
  // refuses them to everyone; the identity-less targets of the demo scenarios run with those directives removed
  // (the peers ignore them), so only ours-injection* pays for authorization along with injection.
  const plainSupergraph = injectionEnv ? withoutPolicies(supergraph) : supergraph;
  const targets: Target[] = [];
  const wanted = (name: string) => !OPTIONS.targets || OPTIONS.targets.has(name);
  const add = async (name: string, file: string, args: string[], env: NodeJS.ProcessEnv, port: number, tsx = true) => {
    if (wanted(name)) targets.push(await launchTarget(name, file, args, env, port, tsx));
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
  const baseline = baselineCheckout();
  if (baseline) {
    const at = async (name: string, env: NodeJS.ProcessEnv) => {
      const port = await freePort();
      if (wanted(name))
        targets.push(await launchTarget(name, 'gateway/main.ts', [], { SUPERGRAPH: supergraph, ...env, PORT: String(port) }, port, true, baseline));
    };
    if (injectionEnv) await at('ours-baseline-injection', injectionEnv);
    await at('ours-baseline-no-dedupe', { PLATFORM_CONFIG: undefined, GATEWAY_DEDUPE: 'false', SUPERGRAPH: plainSupergraph });
  }
  let port = await freePort();
  await add('ours-plain', 'gateway/main.ts', [], { SUPERGRAPH: plainSupergraph, PORT: String(port), PLATFORM_CONFIG: undefined }, port);
  port = await freePort();
  const noDedupe = { SUPERGRAPH: plainSupergraph, PORT: String(port), PLATFORM_CONFIG: undefined, GATEWAY_DEDUPE: 'false' };
  await add('ours-no-dedupe', 'gateway/main.ts', [], noDedupe, port);
  port = await freePort();
  // Default settings, except that it sends no usage reports to Apollo (nothing leaves this machine).
  await add('stock-apollo', 'bench/targets/stock-apollo-gateway.ts', [supergraph, String(port)], { APOLLO_TELEMETRY_DISABLED: 'true' }, port);
  if (OPTIONS.noHive || !existsSync(HIVE_BIN)) return targets;
  const hive = async (name: string, config: string[]) => {
    const port = await freePort();
    await add(name, HIVE_BIN, ['supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1', ...config], { FORK: '1' }, port, false);
  };
  await hive('hive', []);
  await hive('hive-bench', ['-c', HIVE_BENCHMARK_CONFIG, '--jit']);
  if (existsSync(ROUTER_RUNTIME)) {
    await hive('hive-rust', ['-c', HIVE_RUST_CONFIG]);
    // No --jit here: with the Rust planner's handler, Hive Gateway 2.15.1 then answers every field null, without errors.
    await hive('hive-rust-bench', ['-c', HIVE_RUST_BENCHMARK_CONFIG]);
  }
  if (existsSync(GRAFBASE_BIN) && wanted(GRAFBASE)) targets.push(await launchGrafbase(GRAFBASE, composed.grafbaseConfig, await freePort()));
  if (existsSync(GRAFBASE_BIN) && wanted(GRAFBASE_NO_DEDUPE))
    targets.push(await launchGrafbase(GRAFBASE_NO_DEDUPE, composed.grafbaseNoDedupeConfig, await freePort()));
  return targets;
}

/**
 * `npm run bench`: gateways compared in one run on this machine, alternating between them round by
 * round so drift cancels out. Options: --duration S (per measurement, default 8), --rounds N (default 2),
 * --connections N (default 32), --scenarios a,b,c,d, --soak S (RSS over a long run), --no-hive,
 * --targets a,b (only these), --profile a,b (V8 CPU profiles).
 */
import { composeServices } from '@apollo/composition';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startMongoDevServer } from '../dev/mongo/server.js';
import { startWechatSimulator } from '../dev/wechat/server.js';
import { measure, type LoadSpec, type Measurement } from './load.js';
import { ROOT, firstJsonLine, freePort, start, waitForGraphQL, type Running } from './processes.js';
import { memoryMiB } from './proc-stats.js';
import { printTable, summarize, writeResults, type Row } from './report.js';
import { DEMO_QUERY, DEMO_STATIC_SUBGRAPHS } from './subgraphs/demo-static.js';
import { HEAVY_QUERY, ONE_SUBGRAPH_QUERY, SYNTHETIC_SUBGRAPHS } from './subgraphs/synthetic.js';
import { benchSecrets, seedViewers } from './fixtures.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    scenarios: { type: 'string', default: 'a,b,c,d' },
    soak: { type: 'string', default: '0' },
    /** The target the soak runs: ours-plain under scenario b, or ours-injection under scenario a. */
    'soak-target': { type: 'string', default: 'ours-plain' },
    'no-hive': { type: 'boolean', default: false },
    /** Only these targets (comma-separated names), e.g. to compare two with more rounds. */
    targets: { type: 'string' },
    /** Writes V8 CPU profiles of these targets (comma-separated) to bench/results/profiles (open them in Chrome DevTools). */
    profile: { type: 'string', default: '' },
  },
});
const DURATION = Number(values.duration);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const SCENARIOS = new Set(values.scenarios!.split(','));
const ONLY_TARGETS = values.targets ? new Set(values.targets.split(',')) : undefined;
const SOAK_SECONDS = Number(values.soak);
const SOAK_TARGET = values['soak-target']!;
if (!['ours-plain', 'ours-injection'].includes(SOAK_TARGET)) throw new Error('--soak-target is ours-plain or ours-injection');
const PROFILED = new Set(values.profile!.split(',').filter(Boolean));
const RESULTS = join(ROOT, 'bench', 'results');
const HIVE_BIN = join(ROOT, 'bench', 'peers', 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');

interface Target {
  name: string;
  url: string;
  process?: Running;
}

const running: Running[] = [];
const track = (r: Running) => (running.push(r), r);
process.on('exit', () => running.forEach((r) => r.child.kill('SIGKILL')));

/** Installs Hive Gateway into bench/peers on first use; says why it is missing if it cannot be had. */
function hiveAvailable(): string | undefined {
  if (values['no-hive']) return 'skipped (--no-hive)';
  if (!existsSync(HIVE_BIN)) {
    console.log('installing @graphql-hive/gateway into bench/peers (first run only)...');
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: join(ROOT, 'bench', 'peers'), stdio: 'inherit' });
    if (install.status !== 0 || !existsSync(HIVE_BIN)) return 'not installed: npm install in bench/peers failed';
  }
  return undefined;
}

function compose(name: string, subgraphs: { name: string; typeDefs: import('graphql').DocumentNode }[], urls: Record<string, string>): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name]! })));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  const file = join(RESULTS, `${name}.supergraph.graphql`);
  writeFileSync(file, result.supergraphSdl);
  return file;
}

/** Starts the gateways under test on one supergraph. */
async function startGateways(supergraph: string, injectionEnv?: NodeJS.ProcessEnv): Promise<Target[]> {
  const targets: Target[] = [];
  const add = async (name: string, file: string, args: string[], env: NodeJS.ProcessEnv, port: number, tsx = true) => {
    if (ONLY_TARGETS && !ONLY_TARGETS.has(name)) return;
    const profiling = PROFILED.has(name) ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`] : [];
    const proc = track(start(name, file, args, { ...env, LOG_LEVEL: 'warn' }, tsx, profiling));
    const url = `http://127.0.0.1:${port}/graphql`;
    await waitForGraphQL(proc, url);
    targets.push({ name, url, process: proc });
  };
  if (injectionEnv) {
    const port = await freePort();
    await add('ours-injection', 'gateway/main.ts', [], { ...injectionEnv, SUPERGRAPH: supergraph, PORT: String(port) }, port);
  }
  let port = await freePort();
  await add('ours-plain', 'gateway/main.ts', [], { SUPERGRAPH: supergraph, PORT: String(port), PLATFORM_CONFIG: undefined }, port);
  port = await freePort();
  await add('ours-no-dedupe', 'gateway/main.ts', [], { SUPERGRAPH: supergraph, PORT: String(port), PLATFORM_CONFIG: undefined, GATEWAY_DEDUPE: 'false' }, port);
  port = await freePort();
  await add('stock-apollo', 'bench/targets/stock-apollo-gateway.ts', [supergraph, String(port)], {}, port);
  if (existsSync(HIVE_BIN) && !values['no-hive']) {
    port = await freePort();
    await add('hive', HIVE_BIN, ['supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1'], { FORK: '1' }, port, false);
  }
  return targets;
}

/** Checks every target answers the query with the same data and no errors before timing anything. */
async function verify(targets: Target[], body: string, headers: Record<string, string> = {}): Promise<void> {
  let reference: string | undefined;
  for (const target of targets) {
    const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const json = (await response.json()) as { data?: unknown; errors?: unknown };
    if (json.errors || !json.data) throw new Error(`${target.name} answered with errors: ${JSON.stringify(json).slice(0, 500)}`);
    const data = JSON.stringify(json.data);
    reference ??= data;
    if (data !== reference) throw new Error(`${target.name} answered different data than the others`);
  }
}

async function runScenario(
  scenario: string,
  targets: Target[],
  spec: (target: Target) => Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>,
  connections = CONNECTIONS,
): Promise<Row[]> {
  const rounds = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...targets].reverse() : targets;
    for (const target of order) {
      const load = { ...spec(target), url: target.url, connections };
      // Warm-up: longer before a target's first round (JIT tiers, connection pools, caches: Hive Gateway
      // measured ~25% below its plateau after 5 s), then 2 s.
      await measure({ ...load, durationSeconds: round === 0 ? 10 : 2 }, target.process?.child.pid);
      const m = await measure({ ...load, durationSeconds: DURATION }, target.process?.child.pid);
      rounds.get(target.name)!.push(m);
      console.log(`  ${scenario} round ${round + 1} ${target.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.errors} errors`);
    }
  }
  return targets.map((t) => ({ scenario, target: t.name, rounds: rounds.get(t.name)!, median: summarize(rounds.get(t.name)!) }));
}

/** Runs `target` under load for SOAK_SECONDS, sampling its RSS every 2 s, and notes how RSS moved. */
async function soakRss(target: Target, spec: Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>, scenario: string): Promise<void> {
  const pid = target.process!.child.pid!;
  const samples: { t: number; rss: number }[] = [];
  const began = Date.now();
  const timer = setInterval(() => samples.push({ t: (Date.now() - began) / 1000, rss: memoryMiB(pid).rss }), 2000);
  await measure({ ...spec, url: target.url, connections: CONNECTIONS, durationSeconds: SOAK_SECONDS }, pid);
  clearInterval(timer);
  // RSS saw-tooths with garbage collection, so two single samples say little: compare window medians,
  // and fit a line through every sample after warm-up (its rise over the run is the growth trend).
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const early = median(samples.filter((s) => s.t >= 30 && s.t < 90).map((s) => s.rss));
  const late = median(samples.filter((s) => s.t >= SOAK_SECONDS - 60).map((s) => s.rss));
  const warm = samples.filter((s) => s.t >= 30);
  const trend = linearTrend(warm.map((s) => [s.t, s.rss]));
  const rise = ((trend.at(SOAK_SECONDS) - trend.at(30)) / trend.at(30)) * 100;
  const rss = warm.map((s) => s.rss);
  notes.push(
    `soak ${SOAK_SECONDS}s ${target.name} under ${scenario}, RSS sampled every 2 s: median of 30-90 s ${early.toFixed(0)} MiB, of the last 60 s ${late.toFixed(0)} MiB (${(((late - early) / early) * 100).toFixed(1)}%); ` +
      `fitted trend from 30 s to the end ${rise >= 0 ? '+' : ''}${rise.toFixed(1)}%; range after warm-up ${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)} MiB`,
  );
}

/** Least-squares line through (x, y) points. */
function linearTrend(points: [number, number][]): { at(x: number): number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { at: (x) => my + slope * (x - mx) };
}

async function metricsOf(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(url.replace('/graphql', '/metrics'))).text();
  return Object.fromEntries([...text.matchAll(/^(gateway_[a-z_]+) (\d+(?:\.\d+)?)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

const rows: Row[] = [];
const notes: string[] = [];
const hiveNote = hiveAvailable();
if (hiveNote) notes.push(`hive: ${hiveNote}`);

const soakPlain = SOAK_SECONDS > 0 && SOAK_TARGET === 'ours-plain';
const soakInjection = SOAK_SECONDS > 0 && SOAK_TARGET === 'ours-injection';
if (SCENARIOS.has('b') || SCENARIOS.has('d') || soakPlain) {
  console.log('scenarios b/d: four synthetic subgraphs');
  const subgraphs = track(start('synthetic-subgraphs', 'bench/subgraphs/serve.ts', ['synthetic'], {}));
  const urls = await firstJsonLine<Record<string, string>>(subgraphs);
  const targets = await startGateways(compose('synthetic', SYNTHETIC_SUBGRAPHS, urls));
  if (SCENARIOS.has('b')) {
    const body = JSON.stringify({ query: HEAVY_QUERY });
    await verify(targets, body);
    rows.push(...(await runScenario('b heavy nested', targets, () => ({ body }))));
  }
  if (SCENARIOS.has('d')) {
    const body = JSON.stringify({ query: ONE_SUBGRAPH_QUERY });
    const withDirect = ONLY_TARGETS && !ONLY_TARGETS.has('direct') ? targets : [...targets, { name: 'direct', url: urls.products! }];
    await verify(withDirect, body);
    // Added latency is measured without queueing: one connection, one request at a time.
    const result = await runScenario('d one subgraph (1 connection)', withDirect, () => ({ body }), 1);
    const direct = result.find((r) => r.target === 'direct')?.median.p50;
    if (direct !== undefined) for (const row of result) row.extra = { addedP50Ms: +(row.median.p50 - direct).toFixed(2) };
    rows.push(...result);
  }
  const soaked = targets.find((t) => t.name === SOAK_TARGET);
  if (SOAK_SECONDS > 0 && soaked) await soakRss(soaked, { body: JSON.stringify({ query: HEAVY_QUERY }) }, 'b heavy nested');
  for (const t of targets) await t.process?.stop();
  await subgraphs.stop();
}

if (SCENARIOS.has('a') || SCENARIOS.has('c') || soakInjection) {
  const mongo = await startMongoDevServer();
  const secrets = benchSecrets();
  const subgraphs = track(start('demo-subgraphs', 'bench/subgraphs/serve.ts', ['demo'], {}));
  const urls = await firstJsonLine<Record<string, string>>(subgraphs);
  const baseEnv = { ...secrets.env, MONGODB_URI: mongo.uri(), PLATFORM_CONFIG: secrets.configPath };

  if (SCENARIOS.has('a') || soakInjection) {
    console.log('scenario a: the demo query of a logged-in mini-program user');
    const viewers = await seedViewers(mongo.uri('bench_identity'), 200);
    const targets = await startGateways(compose('demo', DEMO_STATIC_SUBGRAPHS, urls), {
      ...baseEnv,
      MONGODB_DB: 'bench_identity',
      IDENTITY_URL: viewers.jwksOrigin,
    });
    const body = JSON.stringify({ query: DEMO_QUERY });
    const tokenHeaders = viewers.tokens.map((t) => ({ authorization: `Bearer ${t}` }));
    await verify(targets, body, tokenHeaders[0]);
    const ours = targets.find((t) => t.name === 'ours-injection');
    const before = ours && (await metricsOf(ours.url));
    const result = SCENARIOS.has('a')
      ? await runScenario('a demo query', targets, (t) => ({
          body,
          ...(t.name === 'ours-injection' ? { headersPerConnection: tokenHeaders } : {}),
        }))
      : [];
    if (ours && before && result.length > 0) {
      const after = await metricsOf(ours.url);
      const served = after.gateway_requests_total! - before.gateway_requests_total!;
      const lookups =
        after.gateway_identity_cache_hits_total! +
        after.gateway_identity_cache_misses_total! -
        before.gateway_identity_cache_hits_total! -
        before.gateway_identity_cache_misses_total!;
      result.find((r) => r.target === 'ours-injection')!.extra = {
        storeQueriesPerRequest: +((after.gateway_identity_cache_store_queries_total! - before.gateway_identity_cache_store_queries_total!) / served).toFixed(5),
        cacheHitRatio: +((after.gateway_identity_cache_hits_total! - before.gateway_identity_cache_hits_total!) / lookups).toFixed(5),
      };
    }
    rows.push(...result);
    if (soakInjection && ours) await soakRss(ours, { body, headersPerConnection: tokenHeaders }, 'a demo query');
    for (const t of targets) await t.process?.stop();
    await viewers.close();
  }

  if (SCENARIOS.has('c')) {
    console.log('scenario c: login (code2Session against the simulator, user lookup, token issue)');
    const simulator = await startWechatSimulator({ config: secrets.config, secretOf: (n) => secrets.env[n] });
    const identityPort = await freePort();
    const identity = track(
      start('identity', 'subgraphs/identity/main.ts', [], {
        ...baseEnv,
        MONGODB_DB: 'bench_login',
        WECHAT_API_BASE: simulator.url,
        PORT: String(identityPort),
        LOG_LEVEL: 'warn',
      }),
    );
    const identityUrl = `http://127.0.0.1:${identityPort}/graphql`;
    await waitForGraphQL(identity, identityUrl);
    const supergraph = compose('login', DEMO_STATIC_SUBGRAPHS, { ...urls, identity: identityUrl });
    const targets = await startGateways(supergraph, { ...baseEnv, MONGODB_DB: 'bench_login', IDENTITY_URL: `http://127.0.0.1:${identityPort}` });
    if (!ONLY_TARGETS || ONLY_TARGETS.has('direct')) targets.push({ name: 'direct', url: identityUrl, process: identity });
    let n = 0;
    const login = () =>
      JSON.stringify({
        query: 'mutation($appId: ID!, $code: String!) { login(appId: $appId, code: $code) { accessToken refreshToken user { id } } }',
        variables: {
          appId: 'wx1000000000000001',
          code: simulator.state.issueCode({ kind: 'login', appId: 'wx1000000000000001', person: `person${n++ % 500}` }),
        },
      });
    for (const t of targets) {
      const answer = (await (await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: login() })).json()) as {
        errors?: unknown;
      };
      if (answer.errors) throw new Error(`${t.name} login failed: ${JSON.stringify(answer.errors)}`);
    }
    rows.push(...(await runScenario('c login', targets, () => ({ body: login }))));
    for (const t of targets) await t.process?.stop();
    await simulator.close();
  }
  await subgraphs.stop();
  await mongo.close();
}

const table = printTable(rows);
console.log(`\n${table}\n`);
for (const row of rows) if (row.extra) console.log(`${row.scenario} ${row.target}: ${JSON.stringify(row.extra)}`);
for (const note of notes) console.log(note);
const file = writeResults(RESULTS, rows, {
  date: new Date().toISOString(),
  duration: DURATION,
  rounds: ROUNDS,
  connections: CONNECTIONS,
  node: process.version,
  notes,
  table,
});
console.log(`\nresults: ${file} (and bench/results/latest.svg)`);
await sleep(100);
process.exit(0);

/**
 * `npm run bench`: gateways compared in one run on this machine, alternating between them round by
 * round so drift cancels out. Options: --duration S (per measurement, default 8), --rounds N (default 2),
 * --connections N (default 32), --scenarios a,b,c,d,e, --soak S (RSS over a long run), --no-hive,
 * --targets a,b (only these), --profile a,b (V8 CPU profiles). bench/README.md explains each scenario.
 */
import { composeServices } from '@apollo/composition';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startMongoDevServer } from '../dev/mongo/server.js';
import { startWechatSimulator } from '../dev/wechat/server.js';
import { accumulate, metricsOf, perRequest, signedFetchCost } from './gateway-metrics.js';
import { checkGoals, printGoals, type SoakResult } from './goals.js';
import { measure, prime, type LoadSpec, type Measurement } from './load.js';
import { ROOT, firstJsonLine, freePort, start, waitForGraphQL, type Running } from './processes.js';
import { printTable, summarize, writeResults, type Row } from './report.js';
import { soakRss } from './soak.js';
import { BURST_ANONYMOUS_QUERY, BURST_QUERY, DEMO_QUERY, DEMO_STATIC_SUBGRAPHS } from './subgraphs/demo-static.js';
import { TARGET_SETTINGS } from './target-settings.js';
import { HEAVY_QUERY, ONE_SUBGRAPH_QUERY, SYNTHETIC_SUBGRAPHS } from './subgraphs/synthetic.js';
import { benchSecrets, seedViewers } from './fixtures.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    scenarios: { type: 'string', default: 'a,b,c,d,e' },
    /** Seconds of warm-up before a target's first round. */
    warmup: { type: 'string', default: '10' },
    /** Scenario (e): connections, and distinct logged-in viewers (tokens cycled request by request). */
    'burst-connections': { type: 'string', default: '200' },
    'burst-viewers': { type: 'string', default: '1000' },
    soak: { type: 'string', default: '0' },
    /** What the soak runs (comma-separated): ours-plain under scenario b, ours-injection under a, burst (ours-injection under e). */
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
const SOAKS = new Set(SOAK_SECONDS > 0 ? values['soak-target']!.split(',') : []);
for (const soak of SOAKS)
  if (!['ours-plain', 'ours-injection', 'burst'].includes(soak)) throw new Error('--soak-target is ours-plain, ours-injection or burst');
const WARMUP = Number(values.warmup);
const BURST_CONNECTIONS = Number(values['burst-connections']);
const BURST_VIEWERS = Number(values['burst-viewers']);
const PROFILED = new Set(values.profile!.split(',').filter(Boolean));
const RESULTS = join(ROOT, 'bench', 'results');
const HIVE_BIN = join(ROOT, 'bench', 'peers', 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
const HIVE_BENCHMARK_CONFIG = join(ROOT, 'bench', 'peers', 'hive-benchmark.config.mjs');

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
  mkdirSync(RESULTS, { recursive: true });
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
  // Our gateways' own counters over the measured windows only (warm caches), summed over rounds.
  const counters = new Map<string, { before: Record<string, number>; after: Record<string, number> }>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...targets].reverse() : targets;
    for (const target of order) {
      const load = { ...spec(target), url: target.url, connections };
      // Warm-up: longer before a target's first round (JIT tiers, connection pools, caches: Hive Gateway
      // measured ~25% below its plateau after 5 s), then 2 s.
      await measure({ ...load, durationSeconds: round === 0 ? WARMUP : 2 }, target.process?.child.pid);
      const ours = target.name.startsWith('ours-');
      const before = ours ? await metricsOf(target.url) : {};
      const m = await measure({ ...load, durationSeconds: DURATION }, target.process?.child.pid);
      if (ours) accumulate(counters, target.name, before, await metricsOf(target.url));
      rounds.get(target.name)!.push(m);
      console.log(`  ${scenario} round ${round + 1} ${target.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.errors} errors`);
    }
  }
  return targets.map((t) => {
    const counted = counters.get(t.name);
    const extra = counted && perRequest(counted.before, counted.after);
    return { scenario, target: t.name, rounds: rounds.get(t.name)!, median: summarize(rounds.get(t.name)!), ...(extra ? { extra } : {}) };
  });
}

const notes: string[] = [];
const soaks: SoakResult[] = [];

/** Soaks one gateway under a scenario's load and notes how its RSS moved. */
async function soak(
  target: Target,
  spec: Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>,
  scenario: string,
  connections = CONNECTIONS,
): Promise<void> {
  const result = await soakRss(target.name, target.process!.child.pid!, { ...spec, url: target.url, connections }, SOAK_SECONDS, scenario);
  notes.push(result.note);
  soaks.push(result);
}

const rows: Row[] = [];
const hiveNote = hiveAvailable();
if (hiveNote) notes.push(`hive: ${hiveNote}`);

if (SCENARIOS.has('b') || SCENARIOS.has('d') || SOAKS.has('ours-plain')) {
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
    if (direct !== undefined) for (const row of result) row.extra = { ...row.extra, addedP50Ms: +(row.median.p50 - direct).toFixed(2) };
    rows.push(...result);
  }
  const soaked = targets.find((t) => t.name === 'ours-plain');
  if (SOAKS.has('ours-plain') && soaked) await soak(soaked, { body: JSON.stringify({ query: HEAVY_QUERY }) }, 'b heavy nested');
  for (const t of targets) await t.process?.stop();
  await subgraphs.stop();
}

if (SCENARIOS.has('a') || SCENARIOS.has('c') || SCENARIOS.has('e') || SOAKS.has('ours-injection') || SOAKS.has('burst')) {
  const mongo = await startMongoDevServer();
  const secrets = benchSecrets();
  const subgraphs = track(start('demo-subgraphs', 'bench/subgraphs/serve.ts', ['demo'], {}));
  const urls = await firstJsonLine<Record<string, string>>(subgraphs);
  const baseEnv = { ...secrets.env, MONGODB_URI: mongo.uri(), PLATFORM_CONFIG: secrets.configPath };

  if (SCENARIOS.has('a') || SCENARIOS.has('e') || SOAKS.has('ours-injection') || SOAKS.has('burst')) {
    const viewers = await seedViewers(mongo.uri('bench_identity'), Math.max(200, SCENARIOS.has('e') || SOAKS.has('burst') ? BURST_VIEWERS : 0));
    const targets = await startGateways(compose('demo', DEMO_STATIC_SUBGRAPHS, urls), {
      ...baseEnv,
      MONGODB_DB: 'bench_identity',
      IDENTITY_URL: viewers.jwksOrigin,
    });
    const tokenHeaders = viewers.tokens.map((t) => ({ authorization: `Bearer ${t}` }));
    const ours = targets.find((t) => t.name === 'ours-injection');
    if (SCENARIOS.has('a') || SOAKS.has('ours-injection')) {
      console.log('scenario a: the demo query of a logged-in mini-program user');
      const body = JSON.stringify({ query: DEMO_QUERY });
      const aViewers = tokenHeaders.slice(0, 200);
      await verify(targets, body, aViewers[0]);
      if (SCENARIOS.has('a')) {
        // Every target gets the viewers' tokens (one per connection): only ours-injection reads them, but
        // merging keys on them (ours and Hive's benchmark configuration), as it would in production.
        const result = await runScenario('a demo query', targets, () => ({ body, headersPerConnection: aViewers }));
        notes.push(signedFetchCost(result));
        rows.push(...result);
      }
      if (SOAKS.has('ours-injection') && ours) await soak(ours, { body, headersPerConnection: aViewers }, 'a demo query');
    }
    if (SCENARIOS.has('e') || SOAKS.has('burst')) {
      console.log(`scenario e: live-stream burst, ${BURST_VIEWERS} viewers (tokens cycled per request) over ${BURST_CONNECTIONS} connections`);
      const page = JSON.stringify({ query: BURST_QUERY });
      const burstViewers = tokenHeaders.slice(0, BURST_VIEWERS);
      await verify(targets, page, burstViewers[0]);
      // Warm caches are the premise: every viewer's token verified and identities cached before timing.
      if (ours) await prime(ours, page, burstViewers);
      if (SCENARIOS.has('e')) {
        // Every target gets the viewers' tokens: only ours reads them, but Hive's merging keys on every header.
        rows.push(...(await runScenario('e burst, logged-in page', targets, () => ({ body: page, headersPerRequest: burstViewers }), BURST_CONNECTIONS)));
        const anonymous = JSON.stringify({ query: BURST_ANONYMOUS_QUERY });
        await verify(targets, anonymous);
        rows.push(...(await runScenario('e burst, anonymous products', targets, () => ({ body: anonymous }), BURST_CONNECTIONS)));
      }
      if (SOAKS.has('burst') && ours) await soak(ours, { body: page, headersPerRequest: burstViewers }, 'e burst, logged-in page', BURST_CONNECTIONS);
    }
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
const goals = checkGoals(rows, soaks);
console.log(`\nthe issue's targets (ratios from this run):\n${printGoals(goals)}`);
const measured = [...new Set(rows.map((r) => r.target))];
const settings = Object.fromEntries(measured.map((t) => [t, TARGET_SETTINGS[t] ?? 'unknown']));
console.log('\ncaches and merging per target (no response cache anywhere):');
for (const [target, what] of Object.entries(settings)) console.log(`  ${target}: ${what}`);
const file = writeResults(RESULTS, rows, {
  date: new Date().toISOString(),
  duration: DURATION,
  rounds: ROUNDS,
  connections: CONNECTIONS,
  node: process.version,
  notes,
  settings,
  goals,
  table,
});
console.log(`\nresults: ${file} (and bench/results/latest.svg)`);
await sleep(100);
process.exit(0);

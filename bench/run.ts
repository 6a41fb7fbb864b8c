/**
 * `npm run bench`: gateways compared in one run on this machine, alternating between them round by
 * round so drift cancels out. Options: --duration S (per measurement, default 8), --rounds N (default 2),
 * --connections N (default 32), --scenarios a,b,c,d,e,f, --soak S (RSS over a long run), --no-hive,
 * --targets a,b (only these), --profile a,b (V8 CPU profiles). bench/README.md explains each scenario.
 * This file runs the scenarios in order; options.ts reads the options, gateways.ts starts the targets,
 * measuring.ts measures them, report.ts and goals.ts say what the numbers mean.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startMongoDevServer } from '../dev/mongo/server.js';
import { startWechatSimulator } from '../dev/wechat/server.js';
import { benchSecrets, seedViewers } from './fixtures.js';
import { compose, peersAvailable, RESULTS, startGateways, track, withoutPolicies, type Target } from './gateways.js';
import { httpFloorNote, startHttpFloor } from './http-floor.js';
import { signedFetchCost } from './gateway-metrics.js';
import { checkGoals, printGoals, type SoakResult } from './goals.js';
import { runLiveRoom, type LiveRoomResult } from './live-room/live-room.js';
import { liveRoomGoals, liveRoomLines } from './live-room/live-room-report.js';
import { prime, type LoadSpec } from './load.js';
import { runScenario, runSideBySide, soakTarget, verify } from './measuring.js';
import { OPTIONS } from './options.js';
import { jsonFloorNote, measureJsonFloor } from './json-floor.js';
import { firstJsonLine, freePort, start, waitForGraphQL } from './processes.js';
import { printTable, writeResults, type Row } from './report.js';
import { BURST_ANONYMOUS_QUERY, BURST_QUERY, DEMO_QUERY, DEMO_STATIC_SUBGRAPHS } from './subgraphs/demo-static.js';
import { HEAVY_QUERY, ONE_SUBGRAPH_QUERY, SYNTHETIC_SUBGRAPHS } from './subgraphs/synthetic.js';
import { TARGET_SETTINGS } from './target-settings.js';

const { scenarios: SCENARIOS, soaks: SOAKS, targets: ONLY_TARGETS, burstViewers: BURST_VIEWERS, burstConnections: BURST_CONNECTIONS } = OPTIONS;
const notes: string[] = [];
const soaks: SoakResult[] = [];

/** Soaks one gateway under a scenario's load and notes how its RSS moved. */
async function soak(target: Target, spec: Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>, scenario: string, connections?: number): Promise<void> {
  const result = await soakTarget(target, spec, scenario, connections);
  notes.push(result.note);
  soaks.push(result);
}

const rows: Row[] = [];
const peersNote = peersAvailable();
if (peersNote) notes.push(`peer gateways: ${peersNote}`);

if (SCENARIOS.has('b') || SCENARIOS.has('d') || SOAKS.has('ours-plain')) {
  console.log('scenarios b/d: four synthetic subgraphs');
  const subgraphs = track(start('synthetic-subgraphs', 'bench/subgraphs/serve.ts', ['synthetic'], {}));
  const urls = await firstJsonLine<Record<string, string>>(subgraphs);
  const targets = await startGateways(compose('synthetic', SYNTHETIC_SUBGRAPHS, urls));
  if (SCENARIOS.has('b')) {
    const body = JSON.stringify({ query: HEAVY_QUERY });
    const floor = await startHttpFloor('b', urls, (proxied) => compose('b-floor', SYNTHETIC_SUBGRAPHS, proxied).supergraph, body);
    const measuredTargets = floor ? [...targets, floor] : targets;
    await verify(measuredTargets, body);
    const measured = await runScenario('b heavy nested', measuredTargets, () => ({ body }));
    rows.push(...measured);
    notes.push(jsonFloorNote(await measureJsonFloor(urls), measured));
    const floorNote = httpFloorNote(measured);
    if (floorNote) notes.push(floorNote);
    await floor?.process?.stop();
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
    const started = await startGateways(
      compose('demo', DEMO_STATIC_SUBGRAPHS, urls),
      { ...baseEnv, MONGODB_DB: 'bench_identity', IDENTITY_URL: viewers.jwksOrigin },
      SCENARIOS.has('a'),
    );
    // ours-injection-no-dedupe exists for a's signed-fetch cost only.
    const targets = started.filter((t) => t.name !== 'ours-injection-no-dedupe');
    const tokenHeaders = viewers.tokens.map((t) => ({ authorization: `Bearer ${t}` }));
    const ours = targets.find((t) => t.name === 'ours-injection');
    if (SCENARIOS.has('a') || SOAKS.has('ours-injection')) {
      console.log('scenario a: the demo query of a logged-in mini-program user');
      const body = JSON.stringify({ query: DEMO_QUERY });
      const aViewers = tokenHeaders.slice(0, 200);
      await verify(started, body, aViewers[0]);
      if (SCENARIOS.has('a')) {
        // Every target gets the viewers' tokens (one per connection): only ours-injection reads them, but
        // merging keys on them (ours and Hive's benchmark configuration), as it would in production.
        rows.push(...(await runScenario('a demo query', targets, () => ({ body, headersPerConnection: aViewers }))));
        // The signed-fetch cost: two gateways differing in injection alone, loaded side by side at the same rate.
        const pair = started.filter((t) => t.name === 'ours-injection-no-dedupe' || t.name === 'ours-no-dedupe');
        const rate = OPTIONS.signedFetchRate;
        const spec = () => ({ body, headersPerConnection: aViewers, ratePerSecond: rate });
        const paired = await runSideBySide(`a signed-fetch pair, ${rate} req/s each`, pair, spec, OPTIONS.signedFetchRounds);
        notes.push(signedFetchCost(paired, rate));
        rows.push(...paired);
      }
      if (SOAKS.has('ours-injection') && ours) await soak(ours, { body, headersPerConnection: aViewers }, 'a demo query');
    }
    if (SCENARIOS.has('e') || SOAKS.has('burst')) {
      console.log(`scenario e: live-stream burst, ${BURST_VIEWERS} viewers (tokens cycled per request) over ${BURST_CONNECTIONS} connections`);
      const page = JSON.stringify({ query: BURST_QUERY });
      const burstViewers = tokenHeaders.slice(0, BURST_VIEWERS);
      await verify(targets, page, burstViewers[0]);
      // Warm caches are the premise: every viewer's token verified and identities cached before timing.
      // ours-injection, and the --baseline commit's when it runs: the gateways that read the tokens.
      const readingTokens = targets.filter((t) => t.name === 'ours-injection' || t.name === 'ours-baseline-injection');
      for (const target of readingTokens) await prime(target, page, burstViewers);
      if (SCENARIOS.has('e')) {
        // Every target gets the viewers' tokens: only ours reads them, but Hive's merging keys on every header.
        // Rounds span minutes and cached identities expire after 60 s (the bound if the change feed stops), so
        // they are primed again before each of their rounds: every measured round starts from a warm cache.
        const reprime = async (target: Target) => (readingTokens.includes(target) ? prime(target, page, burstViewers) : undefined);
        // The page's subgraph HTTP and JSON alone, as the identity-less targets fetch it.
        const floor = await startHttpFloor('e', urls, (proxied) => withoutPolicies(compose('e-floor', DEMO_STATIC_SUBGRAPHS, proxied).supergraph), page);
        const pageTargets = floor ? [...targets, floor] : targets;
        if (floor) await verify([...targets, floor], page, burstViewers[0]);
        const measured = await runScenario(
          'e burst, logged-in page',
          pageTargets,
          () => ({ body: page, headersPerRequest: burstViewers }),
          BURST_CONNECTIONS,
          reprime,
        );
        rows.push(...measured);
        const floorNote = httpFloorNote(measured);
        if (floorNote) notes.push(floorNote);
        await floor?.process?.stop();
        const anonymous = JSON.stringify({ query: BURST_ANONYMOUS_QUERY });
        await verify(targets, anonymous);
        rows.push(...(await runScenario('e burst, anonymous products', targets, () => ({ body: anonymous }), BURST_CONNECTIONS)));
      }
      if (SOAKS.has('burst') && ours) await soak(ours, { body: page, headersPerRequest: burstViewers }, 'e burst, logged-in page', BURST_CONNECTIONS);
    }
    for (const t of started) await t.process?.stop();
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
    const composed = compose('login', DEMO_STATIC_SUBGRAPHS, { ...urls, identity: identityUrl });
    const targets = await startGateways(composed, { ...baseEnv, MONGODB_DB: 'bench_login', IDENTITY_URL: `http://127.0.0.1:${identityPort}` });
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

let liveRoom: LiveRoomResult | undefined;
if (SCENARIOS.has('f')) {
  console.log('scenario f: live room (anonymous sockets on one coupon claimed on a schedule; logged-in sockets selecting claimedByMe)');
  liveRoom = await runLiveRoom(peersNote);
}

const table = printTable(rows);
if (rows.length) console.log(`\n${table}\n`);
for (const row of rows) if (row.extra) console.log(`${row.scenario} ${row.target}: ${JSON.stringify(row.extra)}`);
for (const note of notes) console.log(note);
if (liveRoom) console.log(`\n${liveRoomLines(liveRoom).join('\n')}`);
const goals = [...checkGoals(rows, soaks), ...(liveRoom ? liveRoomGoals(liveRoom) : [])];
console.log(`\nthe issue's targets (ratios from this run):\n${printGoals(goals)}`);
const measured = [...new Set(rows.map((r) => r.target))];
const settings = Object.fromEntries(measured.map((t) => [t, TARGET_SETTINGS[t] ?? 'unknown']));
console.log('\ncaches and merging per target (no response cache anywhere):');
for (const [target, what] of Object.entries(settings)) console.log(`  ${target}: ${what}`);
const file = writeResults(RESULTS, rows, {
  date: new Date().toISOString(),
  duration: OPTIONS.duration,
  rounds: OPTIONS.rounds,
  connections: OPTIONS.connections,
  node: process.version,
  notes,
  settings,
  goals,
  table,
  liveRoom,
});
console.log(`\nresults: ${file} (and bench/results/latest.svg)`);
await sleep(100);
process.exit(0);

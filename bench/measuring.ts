/** Measuring targets under one scenario's load: the answer check, alternating rounds, and soaks. */
import { accumulate, metricsOf, perRequest } from './gateway-metrics.js';
import type { SoakResult } from './goals.js';
import type { Target } from './gateways.js';
import { measure, type LoadSpec, type Measurement } from './load.js';
import { OPTIONS } from './options.js';
import { summarize, type Row } from './report.js';
import { soakRss } from './soak.js';

/** Our gateways' own counters over the measured windows only (warm caches), summed over rounds, by target. */
type Counters = Map<string, { before: Record<string, number>; after: Record<string, number> }>;

/** One row per target: its rounds, their median, and (for ours) its counters per request. */
function rowsOf(scenario: string, targets: Target[], rounds: Map<string, Measurement[]>, counters: Counters): Row[] {
  return targets.map((t) => {
    const counted = counters.get(t.name);
    const extra = counted && perRequest(counted.before, counted.after);
    return { scenario, target: t.name, rounds: rounds.get(t.name)!, median: summarize(rounds.get(t.name)!), ...(extra ? { extra } : {}) };
  });
}

/** Checks every target answers the query with the same data and no errors before timing anything. */
export async function verify(targets: Target[], body: string, headers: Record<string, string> = {}): Promise<void> {
  let reference: string | undefined;
  for (const target of targets) {
    const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const json = (await response.json()) as { data?: unknown; errors?: unknown };
    if (json.errors || !json.data) throw new Error(`${target.name} answered with errors: ${JSON.stringify(json.errors ?? json).slice(0, 500)}`);
    const data = JSON.stringify(json.data);
    reference ??= data;
    if (data !== reference) throw new Error(`${target.name} answered different data than the others`);
  }
}

/** Measures every target `--rounds` times under the same load, alternating the order round by round. */
export async function runScenario(
  scenario: string,
  targets: Target[],
  spec: (target: Target) => Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>,
  connections = OPTIONS.connections,
  /** Runs before each round of a target, ahead of its warm-up (e.g. re-priming caches a premise needs). */
  beforeRound?: (target: Target) => Promise<void>,
  roundCount = OPTIONS.rounds,
): Promise<Row[]> {
  const rounds = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  const counters: Counters = new Map();
  for (let round = 0; round < roundCount; round++) {
    const order = round % 2 ? [...targets].reverse() : targets;
    for (const target of order) {
      const load = { ...spec(target), url: target.url, connections };
      await beforeRound?.(target);
      // Warm-up: longer before a target's first round (JIT tiers, connection pools, caches: Hive Gateway
      // measured ~25% below its plateau after 5 s), then 2 s.
      await measure({ ...load, durationSeconds: round === 0 ? OPTIONS.warmup : 2 }, target.process?.child.pid);
      const ours = target.name.startsWith('ours-');
      const before = ours ? await metricsOf(target.url) : {};
      const m = await measure({ ...load, durationSeconds: OPTIONS.duration }, target.process?.child.pid);
      if (ours) accumulate(counters, target.name, before, await metricsOf(target.url));
      rounds.get(target.name)!.push(m);
      console.log(`  ${scenario} round ${round + 1} ${target.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.errors} errors`);
    }
  }
  return rowsOf(scenario, targets, rounds, counters);
}

/**
 * Measures targets side by side: every round loads all of them at once, each with the same offered load,
 * and reads each one's CPU over the same window. On a shared machine whose speed drifts second by second
 * (other tenants, frequency), targets measured one after the other differ by the drift; measured at once,
 * the drift touches both alike, so their difference is what the targets themselves cost.
 */
export async function runSideBySide(
  scenario: string,
  targets: Target[],
  spec: (target: Target) => Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>,
  roundCount: number,
): Promise<Row[]> {
  const rounds = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  const counters: Counters = new Map();
  const loadOf = (target: Target, durationSeconds: number) => ({ ...spec(target), url: target.url, connections: OPTIONS.connections, durationSeconds });
  await Promise.all(targets.map((t) => measure(loadOf(t, OPTIONS.warmup), t.process?.child.pid)));
  for (let round = 0; round < roundCount; round++) {
    const before = await Promise.all(targets.map((t) => metricsOf(t.url)));
    const measured = await Promise.all(targets.map((t) => measure(loadOf(t, OPTIONS.duration), t.process?.child.pid)));
    const after = await Promise.all(targets.map((t) => metricsOf(t.url)));
    targets.forEach((target, i) => {
      accumulate(counters, target.name, before[i]!, after[i]!);
      const m = measured[i]!;
      rounds.get(target.name)!.push(m);
      console.log(
        `  ${scenario} round ${round + 1} ${target.name}: ${m.rps.toFixed(0)} req/s, ${((m.cpuSeconds * 1e6) / m.requests).toFixed(0)} µs CPU per request, ${m.errors} errors`,
      );
    });
  }
  return rowsOf(scenario, targets, rounds, counters);
}

/** Soaks one gateway under a scenario's load for `--soak-warmup` then `--soak` seconds and says how its RSS moved after warm-up. */
export async function soakTarget(
  target: Target,
  spec: Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>,
  scenario: string,
  connections = OPTIONS.connections,
): Promise<SoakResult & { note: string }> {
  return soakRss(target.name, target.process!.child.pid!, { ...spec, url: target.url, connections }, OPTIONS.soakSeconds, scenario, OPTIONS.soakWarmup);
}

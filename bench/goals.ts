/** The targets, checked against one run's results: which were met, and by how much each was missed. */
import type { Measurement } from './load.js';
import { OPTIONS } from './options.js';
import { GRAFBASE, GRAFBASE_NO_DEDUPE, type Row } from './report.js';

/** How RSS moved over a soak (see soak.ts). */
export interface SoakResult {
  name: string;
  scenario: string;
  /** Median of the last minute against the median of the first minute after warm-up, in percent. */
  changePercent: number;
  /** Rise of the fitted line from the end of warm-up to the end, in percent. */
  trendPercent: number;
}

export interface GoalResult {
  goal: string;
  measured: string;
  /** Undefined when this run did not measure it. */
  met: boolean | undefined;
}

export function checkGoals(rows: Row[], soaks: SoakResult[]): GoalResult[] {
  const row = (scenario: string, target: string) => rows.find((r) => r.scenario.startsWith(scenario) && r.target === target);
  const results: GoalResult[] = [];
  const latency = (goal: string, a: Measurement | undefined, b: Measurement | undefined, atMost: number) =>
    results.push(a && b ? { goal, measured: `${a.p99} ms vs ${b.p99} ms`, met: a.p99 <= atMost * b.p99 } : { goal, measured: 'not measured', met: undefined });
  const ratio = (goal: string, a: number | undefined, b: number | undefined, atLeast: number) =>
    results.push(a && b ? { goal, measured: `${(a / b).toFixed(2)}x`, met: a / b >= atLeast } : { goal, measured: 'not measured', met: undefined });

  // Round three: Grafbase, the fastest gateway of the public benchmark, is the anchor.
  // Without merging on either side: Grafbase deduplicates in-flight subgraph requests unless told not to.
  const grafbase = row('b ', GRAFBASE)?.median;
  const grafbaseAlone = row('b ', GRAFBASE_NO_DEDUPE)?.median;
  const noMerging = row('b ', 'ours-no-dedupe')?.median;
  const merged = row('b ', 'ours-plain')?.median;
  ratio('b: ours-no-dedupe req/s >= 0.5x grafbase (no dedupe)', noMerging?.rps, grafbaseAlone?.rps, 0.5);
  ratio('b: ours-no-dedupe requests per CPU-second >= 0.5x grafbase (no dedupe)', noMerging?.requestsPerCpuSecond, grafbaseAlone?.requestsPerCpuSecond, 0.5);
  latency('b: ours-no-dedupe p99 <= 2x grafbase (no dedupe)', noMerging, grafbaseAlone, 2);
  ratio('b: ours-plain req/s >= 1.3x grafbase', merged?.rps, grafbase?.rps, 1.3);
  latency('b: ours-plain p99 no worse than grafbase', merged, grafbase, 1);
  // The unit is requests per gateway CPU-second (more processes or threads do not count).
  const loggedIn = row('e burst, logged-in', 'ours-injection')?.median;
  const burstBaseline = row('e burst, logged-in', 'ours-baseline-injection')?.median;
  ratio(
    `e logged-in: ours-injection requests per CPU-second >= 2x ${OPTIONS.baseline ?? 'the baseline (--baseline)'}`,
    loggedIn?.requestsPerCpuSecond,
    burstBaseline?.requestsPerCpuSecond,
    2,
  );
  if (loggedIn && burstBaseline)
    results.push({
      goal: 'e logged-in: req/s against the baseline (for reference)',
      measured: `${(loggedIn.rps / burstBaseline.rps).toFixed(2)}x`,
      met: undefined,
    });

  // Round two, kept as regressions to watch.
  const plain = row('b ', 'ours-plain')?.median;
  const noDedupe = row('b ', 'ours-no-dedupe')?.median;
  const stock = row('b ', 'stock-apollo')?.median;
  const hiveBench = row('b ', 'hive-bench')?.median;
  ratio('b: ours-plain req/s >= 1.2x hive-bench', plain?.rps, hiveBench?.rps, 1.2);
  results.push(
    plain && hiveBench
      ? { goal: 'b: ours-plain p99 no worse than hive-bench', measured: `${plain.p99} ms vs ${hiveBench.p99} ms`, met: plain.p99 <= hiveBench.p99 }
      : { goal: 'b: ours-plain p99 no worse than hive-bench', measured: 'not measured', met: undefined },
  );
  ratio('b: ours-plain requests per gateway CPU-second >= 3x stock-apollo', plain?.requestsPerCpuSecond, stock?.requestsPerCpuSecond, 3);
  ratio('b: ours-no-dedupe req/s >= 2.5x stock-apollo', noDedupe?.rps, stock?.rps, 2.5);

  // Injection on against off, everything else equal (gateway-metrics.ts, signedFetchCost).
  const signed = row('a ', 'ours-injection-no-dedupe')?.extra?.gatewayCpuUsPerSignedFetch;
  results.push({
    goal: 'a: gateway CPU per signed subgraph fetch <= 25 µs (ours-injection-no-dedupe vs ours-no-dedupe)',
    measured: typeof signed === 'number' ? `${signed} µs` : 'not measured',
    met: typeof signed === 'number' ? signed <= 25 : undefined,
  });
  for (const scenario of ['a ', 'e burst, logged-in']) {
    const store = row(scenario, 'ours-injection')?.extra?.storeQueriesPerRequest;
    results.push({
      goal: `${scenario.trim()}: identity-store queries per request on a warm cache = 0`,
      measured: typeof store === 'number' ? String(store) : 'not measured',
      met: typeof store === 'number' ? store === 0 : undefined,
    });
  }

  const burst = rows.filter((r) => r.scenario.startsWith('e ') && r.target.startsWith('ours-'));
  results.push({
    goal: 'e: no errors on this gateway in the burst',
    measured: burst.length ? `${burst.reduce((n, r) => n + r.rounds.reduce((m, x) => m + x.errors, 0), 0)} errors` : 'not measured',
    met: burst.length ? burst.every((r) => r.rounds.every((x) => x.errors === 0)) : undefined,
  });
  ratio(
    'e anonymous: ours-plain req/s >= 1.2x hive-bench',
    row('e burst, anonymous', 'ours-plain')?.median.rps,
    row('e burst, anonymous', 'hive-bench')?.median.rps,
    1.2,
  );

  for (const soak of soaks) {
    const worst = Math.max(Math.abs(soak.changePercent), Math.abs(soak.trendPercent));
    results.push({
      goal: `RSS flat within 10% over the soak (${soak.name} under ${soak.scenario})`,
      measured: `last minute ${soak.changePercent.toFixed(1)}%, fitted trend ${soak.trendPercent.toFixed(1)}%`,
      met: worst <= 10,
    });
  }
  return results;
}

export function printGoals(results: GoalResult[]): string {
  return results.map((r) => `${r.met === undefined ? '  -  ' : r.met ? ' met ' : 'MISSED'} ${r.goal}: ${r.measured}`).join('\n');
}

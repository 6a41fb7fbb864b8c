/** Turns measurements into the printed table, the JSON record and a small SVG chart. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from './load.js';

export interface Row {
  scenario: string;
  target: string;
  rounds: Measurement[];
  median: Measurement;
  extra?: Record<string, number | string>;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function summarize(rounds: Measurement[]): Measurement {
  const keys = Object.keys(rounds[0]!) as (keyof Measurement)[];
  return Object.fromEntries(
    keys.map((k) => [k, k === 'peakRssMiB' ? Math.max(...rounds.map((r) => r[k])) : median(rounds.map((r) => r[k]))]),
  ) as unknown as Measurement;
}

const ratio = (a: number, b: number | undefined) => (b && b > 0 && a > 0 ? (a / b).toFixed(2) : '-');

/** The peers every figure is also given as a ratio to: the baseline, and the fastest gateway of the public benchmark. */
export const STOCK = 'stock-apollo';
export const GRAFBASE = 'grafbase (dev)';
/** Grafbase with its in-flight subgraph request deduplication (on by default) turned off: merging nothing. */
export const GRAFBASE_NO_DEDUPE = 'grafbase (dev) no-dedupe';
/** Targets that merge identical in-flight requests (client or subgraph): compared with Grafbase as it merges by default. */
const MERGING = new Set(['ours-injection', 'ours-plain', 'hive-bench', 'hive-rust-bench', 'ours-baseline-injection', GRAFBASE]);
/** The Grafbase `target` is compared with: the one that merges as it does. */
export const grafbaseFor = (target: string) => (MERGING.has(target) ? GRAFBASE : GRAFBASE_NO_DEDUPE);

/**
 * One line per scenario and target: req/s, p50, p99, requests per gateway CPU-second, peak RSS, errors,
 * then each of the four as a ratio to stock @apollo/gateway and to Grafbase (latency ratios: above 1 is
 * slower). Grafbase merges identical in-flight subgraph requests by default, so a target that merges is
 * compared with it as it comes, and one that merges nothing with Grafbase with deduplication off.
 */
export function printTable(rows: Row[]): string {
  const figures = ['req/s', 'p50', 'p99', 'req/CPU-s'];
  const lines = [
    [
      'scenario | target | req/s | p50 ms | p99 ms | req per CPU-s | peak RSS MiB | errors',
      ...figures.map((f) => `${f} vs stock`),
      ...figures.map((f) => `${f} vs grafbase (same merging)`),
    ].join(' | '),
    Array.from({ length: 8 + 2 * figures.length }, () => '---').join('|'),
  ];
  for (const row of rows) {
    const peer = (target: string) => rows.find((r) => r.scenario === row.scenario && r.target === target)?.median;
    const m = row.median;
    const against = (p: Measurement | undefined) => [
      ratio(m.rps, p?.rps),
      ratio(m.p50, p?.p50),
      ratio(m.p99, p?.p99),
      ratio(m.requestsPerCpuSecond, p?.requestsPerCpuSecond),
    ];
    lines.push(
      [
        row.scenario,
        row.target,
        m.rps.toFixed(0),
        m.p50.toFixed(1),
        m.p99.toFixed(1),
        m.requestsPerCpuSecond ? m.requestsPerCpuSecond.toFixed(0) : '-',
        m.peakRssMiB ? m.peakRssMiB.toFixed(0) : '-',
        m.errors.toFixed(0),
        ...against(peer(STOCK)),
        ...against(peer(grafbaseFor(row.target))),
      ].join(' | '),
    );
  }
  return lines.join('\n');
}

export function writeResults(dir: string, rows: Row[], meta: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = join(dir, `bench-${stamp}.json`);
  writeFileSync(json, JSON.stringify({ meta, rows }, null, 2));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify({ meta, rows }, null, 2));
  writeFileSync(join(dir, `bench-${stamp}.svg`), chart(rows));
  writeFileSync(join(dir, 'latest.svg'), chart(rows));
  return json;
}

/** Requests/s of every target relative to stock @apollo/gateway, one group of bars per scenario. */
function chart(rows: Row[]): string {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const colors: Record<string, string> = {
    'ours-injection': '#2b8a3e',
    'ours-injection-no-dedupe': '#5c940d',
    'ours-plain': '#74b816',
    'ours-no-dedupe': '#a9e34b',
    'stock-apollo': '#868e96',
    hive: '#f08c00',
    'hive-bench': '#e8590c',
    'hive-rust': '#ae3ec9',
    'hive-rust-bench': '#862e9c',
    [GRAFBASE]: '#c2255c',
    [GRAFBASE_NO_DEDUPE]: '#e64980',
    'ours-baseline': '#495057',
    direct: '#1c7ed6',
  };
  const barHeight = 18;
  const rowsSvg: string[] = [];
  let y = 40;
  const max = Math.max(
    ...rows.map((r) => r.median.rps / (rows.find((s) => s.scenario === r.scenario && s.target === 'stock-apollo')?.median.rps || r.median.rps)),
    1,
  );
  for (const scenario of scenarios) {
    rowsSvg.push(`<text x="10" y="${y}" font-weight="bold">${scenario}</text>`);
    y += 8;
    const stock = rows.find((r) => r.scenario === scenario && r.target === 'stock-apollo')?.median.rps;
    for (const row of rows.filter((r) => r.scenario === scenario)) {
      const value = stock ? row.median.rps / stock : 1;
      const width = (value / max) * 420;
      rowsSvg.push(
        `<text x="10" y="${y + 13}">${row.target}</text><rect x="140" y="${y}" width="${width.toFixed(1)}" height="${barHeight - 4}" fill="${colors[row.target] ?? '#555'}"/><text x="${(146 + width).toFixed(1)}" y="${y + 13}">${value.toFixed(2)}x (${row.median.rps.toFixed(0)} req/s)</text>`,
      );
      y += barHeight;
    }
    y += 16;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${y}" font-family="sans-serif" font-size="12"><text x="10" y="20" font-size="14">Requests/s relative to stock @apollo/gateway (same run, same machine)</text>${rowsSvg.join('')}</svg>\n`;
}

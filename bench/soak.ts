/** RSS of one gateway under a long load: does memory stay flat once warm? */
import type { SoakResult } from './goals.js';
import { measure, type LoadSpec } from './load.js';
import { memoryMiB } from './proc-stats.js';

/** Runs the load on `pid`'s server for `seconds`, sampling its RSS every 2 s, and says how RSS moved. */
export async function soakRss(
  name: string,
  pid: number,
  load: Omit<LoadSpec, 'durationSeconds'>,
  seconds: number,
  scenario: string,
): Promise<SoakResult & { note: string }> {
  const samples: { t: number; rss: number }[] = [];
  const heap: { t: number; used: number }[] = [];
  const began = Date.now();
  const at = () => (Date.now() - began) / 1000;
  const timer = setInterval(() => samples.push({ t: at(), rss: memoryMiB(pid).rss }), 2000);
  // Our gateways also report V8's used heap: its troughs (just after a collection) are the live data, so a
  // leak shows there even when RSS only follows how far the collector lets the heap grow between runs.
  const heapTimer = setInterval(() => void heapUsedMiB(load.url).then((used) => used !== undefined && heap.push({ t: at(), used })), 500);
  const result = await measure({ ...load, durationSeconds: seconds }, pid);
  clearInterval(timer);
  clearInterval(heapTimer);
  // RSS saw-tooths with garbage collection, so two single samples say little: compare window medians,
  // and fit a line through every sample after warm-up (its rise over the run is the growth trend).
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const early = median(samples.filter((s) => s.t >= 30 && s.t < 90).map((s) => s.rss));
  const late = median(samples.filter((s) => s.t >= seconds - 60).map((s) => s.rss));
  const warm = samples.filter((s) => s.t >= 30);
  const trend = linearTrend(warm.map((s) => [s.t, s.rss]));
  const rise = ((trend.at(seconds) - trend.at(30)) / trend.at(30)) * 100;
  const rss = warm.map((s) => s.rss);
  const changePercent = ((late - early) / early) * 100;
  const note =
    `soak ${seconds}s ${name} under ${scenario} (${result.rps.toFixed(0)} req/s, ${result.errors} errors), RSS sampled every 2 s: ` +
    `median of 30-90 s ${early.toFixed(0)} MiB, of the last 60 s ${late.toFixed(0)} MiB (${changePercent.toFixed(1)}%); ` +
    `fitted trend from 30 s to the end ${rise >= 0 ? '+' : ''}${rise.toFixed(1)}%; range after warm-up ${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)} MiB`;
  const trough = (from: number, to: number) => Math.min(...heap.filter((h) => h.t >= from && h.t < to).map((h) => h.used));
  const liveHeap = heap.length
    ? `; live heap (lowest used heap) 30-90 s ${trough(30, 90).toFixed(0)} MiB, last 60 s ${trough(seconds - 60, seconds + 1).toFixed(0)} MiB`
    : '';
  return { name, scenario, changePercent, trendPercent: rise, note: note + liveHeap };
}

/** The gateway's used V8 heap from its /metrics, or undefined for a server without them. */
async function heapUsedMiB(graphqlUrl: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(graphqlUrl.replace('/graphql', '/metrics'))).text();
    const bytes = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
    return bytes === undefined ? undefined : Number(bytes) / 2 ** 20;
  } catch {
    return undefined;
  }
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

/** RSS of one gateway under a long load: does memory stay flat once warm? */
import type { SoakResult } from './goals.js';
import { measure, type LoadSpec } from './load.js';
import { memoryMiB } from './proc-stats.js';

/**
 * Runs the load on `pid`'s server for `warmupSeconds` plus `seconds`, sampling its RSS every 2 s, and says
 * how RSS moved over the `seconds` after warm-up. The warm-up is long (120 s by default) because under a
 * steady load V8 keeps enlarging the heap it reserves for the first ~2 minutes (its growing factor follows
 * the measured allocation and collection speeds) while the live data stays flat: that is heap sizing, not
 * growth, and it is reported apart, as the heap V8 reserved against the memory outside it.
 */
export async function soakRss(
  name: string,
  pid: number,
  load: Omit<LoadSpec, 'durationSeconds'>,
  seconds: number,
  scenario: string,
  warmupSeconds: number,
): Promise<SoakResult & { note: string }> {
  const samples: { t: number; rss: number }[] = [];
  const heap: { t: number; used: number; reserved: number; rss: number }[] = [];
  const began = Date.now();
  const at = () => (Date.now() - began) / 1000;
  const end = warmupSeconds + seconds;
  const timer = setInterval(() => samples.push({ t: at(), rss: memoryMiB(pid).rss }), 2000);
  // Our gateways also report V8's used heap: its troughs (just after a collection) are the live data, so a
  // leak shows there even when RSS only follows how far the collector lets the heap grow between runs.
  const heapTimer = setInterval(() => void heapMiB(load.url).then((h) => h && heap.push({ t: at(), ...h })), 500);
  const result = await measure({ ...load, durationSeconds: end }, pid);
  clearInterval(timer);
  clearInterval(heapTimer);
  // RSS saw-tooths with garbage collection, so two single samples say little: compare window medians,
  // and fit a line through every sample after warm-up (its rise over the run is the growth trend).
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const inFirstMinute = (t: number) => t >= warmupSeconds && t < warmupSeconds + 60;
  const inLastMinute = (t: number) => t >= end - 60;
  const early = median(samples.filter((s) => inFirstMinute(s.t)).map((s) => s.rss));
  const late = median(samples.filter((s) => inLastMinute(s.t)).map((s) => s.rss));
  const warm = samples.filter((s) => s.t >= warmupSeconds);
  const trend = linearTrend(warm.map((s) => [s.t, s.rss]));
  const rise = ((trend.at(end) - trend.at(warmupSeconds)) / trend.at(warmupSeconds)) * 100;
  const rss = warm.map((s) => s.rss);
  const changePercent = ((late - early) / early) * 100;
  const percent = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;
  const note =
    `soak ${seconds}s after a ${warmupSeconds}s warm-up, ${name} under ${scenario} (${result.rps.toFixed(0)} req/s, ${result.errors} errors), RSS sampled every 2 s: ` +
    `median of the first minute after warm-up ${early.toFixed(0)} MiB, of the last minute ${late.toFixed(0)} MiB (${changePercent.toFixed(1)}%); ` +
    `fitted trend after warm-up ${rise >= 0 ? '+' : ''}${rise.toFixed(1)}%; range after warm-up ${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)} MiB`;
  if (!heap.length) return { name, scenario, changePercent, trendPercent: rise, note };
  const trough = (from: number, to: number) => Math.min(...heap.filter((h) => h.t >= from && h.t < to).map((h) => h.used));
  const medianOf = (pick: (h: (typeof heap)[number]) => number, within: (t: number) => boolean) => median(heap.filter((h) => within(h.t)).map(pick));
  const atStart = (t: number) => t < 30;
  const reserved = [atStart, inFirstMinute, inLastMinute].map((w) => medianOf((h) => h.reserved, w));
  const outside = [atStart, inFirstMinute, inLastMinute].map((w) => medianOf((h) => h.rss - h.reserved, w));
  const liveHeap =
    `; live heap (lowest used heap) first minute after warm-up ${trough(warmupSeconds, warmupSeconds + 60).toFixed(0)} MiB, last minute ${trough(end - 60, end + 1).toFixed(0)} MiB` +
    `; heap V8 reserved (median) first 30 s ${reserved[0]!.toFixed(0)} MiB, first minute after warm-up ${reserved[1]!.toFixed(0)}, last minute ${reserved[2]!.toFixed(0)} (${percent(reserved[1]!, reserved[2]!)})` +
    `; memory outside V8's heap (RSS minus reserved heap) ${outside[0]!.toFixed(0)}, ${outside[1]!.toFixed(0)}, ${outside[2]!.toFixed(0)} MiB (${percent(outside[1]!, outside[2]!)})`;
  return { name, scenario, changePercent, trendPercent: rise, note: note + liveHeap };
}

/** The gateway's used and reserved V8 heap and its RSS, from one scrape of its /metrics; undefined for a server without them. */
async function heapMiB(graphqlUrl: string): Promise<{ used: number; reserved: number; rss: number } | undefined> {
  try {
    const text = await (await fetch(graphqlUrl.replace('/graphql', '/metrics'))).text();
    const read = (metric: string) => Number(new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1]) / 2 ** 20;
    const [used, reserved, rss] = [read('nodejs_heap_size_used_bytes'), read('nodejs_heap_size_total_bytes'), read('process_resident_memory_bytes')];
    return Number.isFinite(used) && Number.isFinite(reserved) && Number.isFinite(rss) ? { used, reserved, rss } : undefined;
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

/** One measurement: autocannon against a URL for a fixed time, with the target's CPU and memory. */
import autocannon from 'autocannon';
import { cpuSeconds, memoryMiB } from './proc-stats.js';

export interface LoadSpec {
  url: string;
  body: string | (() => string);
  /** Headers per connection (cycled), e.g. one viewer's token each. */
  headersPerConnection?: Record<string, string>[];
  /** Headers per request (cycled), e.g. more viewers than connections, each request the next viewer's. */
  headersPerRequest?: Record<string, string>[];
  connections: number;
  durationSeconds: number;
  /** Requests per second over all connections (an offered load); as fast as answered when absent. */
  ratePerSecond?: number;
}

export interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  cpuSeconds: number;
  requestsPerCpuSecond: number;
  peakRssMiB: number;
}

export async function measure(spec: LoadSpec, targetPid: number | undefined): Promise<Measurement> {
  const cpuBefore = targetPid ? cpuSeconds(targetPid) : 0;
  let connection = 0;
  let sent = 0;
  const { body, headersPerRequest } = spec;
  const perRequest = typeof body !== 'string' || headersPerRequest !== undefined;
  const result = await autocannon({
    url: spec.url,
    method: 'POST',
    connections: spec.connections,
    duration: spec.durationSeconds,
    ...(spec.ratePerSecond ? { overallRate: spec.ratePerSecond } : {}),
    headers: { 'content-type': 'application/json' },
    ...(!perRequest
      ? { body }
      : {
          requests: [
            {
              method: 'POST',
              setupRequest: (request: { headers?: Record<string, string> }) => ({
                ...request,
                body: typeof body === 'string' ? body : body(),
                headers: { ...request.headers, ...headersPerRequest?.[sent++ % headersPerRequest.length] },
              }),
            },
          ],
        }),
    setupClient: (client: { setHeaders(h: Record<string, string>): void }) => {
      const extra = spec.headersPerConnection?.[connection++ % spec.headersPerConnection.length];
      if (extra) client.setHeaders({ 'content-type': 'application/json', ...extra });
    },
  } as autocannon.Options);
  const cpu = targetPid ? cpuSeconds(targetPid) - cpuBefore : 0;
  const requests = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuSeconds: cpu,
    requestsPerCpuSecond: cpu > 0 ? requests / cpu : 0,
    peakRssMiB: targetPid ? memoryMiB(targetPid).peak : 0,
  };
}

/** Sends `body` once per header set (e.g. once per viewer), 50 at a time, failing on any error. */
export async function prime(target: { name: string; url: string }, body: string, headerSets: Record<string, string>[]): Promise<void> {
  for (let i = 0; i < headerSets.length; i += 50) {
    await Promise.all(
      headerSets.slice(i, i + 50).map(async (headers) => {
        const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        if (!response.ok) throw new Error(`${target.name} answered ${response.status} while priming`);
        await response.arrayBuffer();
      }),
    );
  }
}

/**
 * Components as their own OS processes: the gateway (`gateway/main.ts`, exactly what `npm run
 * start:gateway` runs), for tests about what separate gateway instances share only through the store,
 * and any entry point (compiled ones included) for the build's smoke tests. A child gets only the
 * environment given here, listens on an ephemeral port on 127.0.0.1, and dies with the test process.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServiceProcess {
  /** The URL the process logged when ready. */
  url: string;
  pid: number;
  /** Every line it has printed so far. */
  output(): string[];
  /** SIGTERM; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export interface GatewayProcess extends ServiceProcess {
  /** The gateway's Prometheus counters and gauges, by name (unlabelled series only). */
  metrics(): Promise<Record<string, number>>;
}

const MAIN = fileURLToPath(new URL('../../gateway/main.ts', import.meta.url));

/**
 * Runs `node ...args` and waits for the log line `readyMessage` (with its `url`). A `.ts` entry runs
 * through tsx; a compiled `.js` entry runs on plain node.
 */
export async function startServiceProcess(entry: string, env: Record<string, string>, readyMessage: string, timeoutMs = 90_000): Promise<ServiceProcess> {
  const args = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const child = spawn(process.execPath, args, {
    // EXIT_WITH_LAUNCHER: the child exits when our end of its stdin closes, so a crashed test leaves no orphan.
    env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test', ...env, EXIT_WITH_LAUNCHER: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} during start-up:\n${output.join('\n')}`));
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (output.length > 200) output.shift();
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === readyMessage && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not a log line
        }
      });
    }
  });
  return {
    url,
    pid: child.pid!,
    output: () => [...output],
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 30_000, entry = MAIN): Promise<GatewayProcess> {
  const running = await startServiceProcess(entry, env, 'gateway ready', timeoutMs);
  return {
    ...running,
    async metrics() {
      const text = await (await fetch(running.url.replace(/\/graphql$/, '/metrics'))).text();
      return Object.fromEntries([...text.matchAll(/^([a-z_]+) (\d+(?:\.\d+)?)$/gm)].map((m) => [m[1]!, Number(m[2])]));
    },
  };
}

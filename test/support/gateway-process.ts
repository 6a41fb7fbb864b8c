/**
 * The gateway as its own OS process (`gateway/main.ts`, exactly what `npm run start:gateway` runs), for
 * tests about what separate gateway instances share only through the store. The child gets only the
 * environment given here, listens on an ephemeral port on 127.0.0.1, and dies with the test process.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface GatewayProcess {
  url: string;
  pid: number;
  /** The gateway's Prometheus counters and gauges, by name (unlabelled series only). */
  metrics(): Promise<Record<string, number>>;
  /** The process's last 200 lines of output (JSON log lines). */
  logs(): string;
  /** SIGTERM; resolves to the exit code. */
  stop(): Promise<number | null>;
}

const MAIN = fileURLToPath(new URL('../../gateway/main.ts', import.meta.url));

export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 90_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    // EXIT_WITH_LAUNCHER: the child exits when our end of its stdin closes, so a crashed test leaves no orphan.
    env: { ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test', EXIT_WITH_LAUNCHER: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway process not ready within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway process exited with ${code} during start-up:\n${output.join('\n')}`));
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (output.length > 200) output.shift();
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'gateway ready' && entry.url) {
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
    async metrics() {
      const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
      return Object.fromEntries([...text.matchAll(/^([a-z_]+) (\d+(?:\.\d+)?)$/gm)].map((m) => [m[1]!, Number(m[2])]));
    },
    logs: () => output.join('\n'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

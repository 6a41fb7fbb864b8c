/** Starting and stopping the processes a benchmark run needs, each on 127.0.0.1. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Running {
  name: string;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts `node [--import tsx] file args` with this environment plus `env`, collecting output for diagnostics.
 * With `ipc`, the child also gets Node's message channel (`process.send`), as the live room's socket load
 * generator does.
 */
export function start(
  name: string,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  tsx = true,
  nodeArgs: string[] = [],
  ipc = false,
  cwd = ROOT,
): Running {
  return startCommand(name, process.execPath, [...nodeArgs, ...(tsx ? ['--import', 'tsx'] : []), file, ...args], env, { ipc, cwd });
}

/** Starts any executable (a peer gateway's binary) as `start` starts Node: same environment rules and output. */
export function startCommand(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, options: { ipc?: boolean; cwd?: string } = {}): Running {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name,
    child,
    output,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if ((await Promise.race([exited, sleep(10_000, 'timeout')])) === 'timeout') {
        console.warn(`${name} did not stop within 10 s of SIGTERM; killed. Last output:\n${output.slice(-5).join('')}`);
        child.kill('SIGKILL');
      }
    },
  };
}

/** The first JSON line a process prints (subgraph servers print their URLs). */
export async function firstJsonLine<T>(running: Running, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of running.output.join('').split('\n')) {
      if (line.startsWith('{')) return JSON.parse(line) as T;
    }
    if (running.child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`${running.name} printed no JSON line:\n${running.output.join('')}`);
}

/** Waits until `url` answers a trivial GraphQL query. */
export async function waitForGraphQL(running: Running, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) throw new Error(`${running.name} exited:\n${running.output.join('')}`);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      if (response.ok) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`${running.name} did not answer at ${url}:\n${running.output.join('')}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a component as a child process of the launcher, with prefixed output, and waits until it is healthy. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

/** Compiled (`npm run build`, this file is .js): children are the compiled entries, run by plain node. */
const COMPILED = import.meta.url.endsWith('.js');

/** Starts `entry` (a path like `gateway/main.ts`, relative to the project) as the child `name`, Node run with `nodeFlags`. */
export function startChild(name: string, entry: string, env: NodeJS.ProcessEnv, args: string[] = [], nodeFlags: readonly string[] = []): Child {
  const main = fileURLToPath(new URL(`../${COMPILED ? entry.replace(/\.ts$/, '.js') : entry}`, import.meta.url));
  const child = spawn(process.execPath, [...nodeFlags, ...(COMPILED ? [] : ['--import', 'tsx']), main, ...args], {
    env: { ...env, EXIT_WITH_LAUNCHER: '1' },
    // The child watches this stdin pipe: it closes when the launcher dies, and the child exits (no orphans).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const label = `[${name}]`.padEnd(11);
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => console.log(`${label} ${line}`));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, process: child, exited };
}

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitHealthy(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  let exitCode: number | null | undefined;
  void child.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${child.name} exited with code ${exitCode} during start-up (see its output above)`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} was not healthy at ${url} within ${timeoutMs / 1000}s`);
}

/** SIGTERM to every child, SIGKILL to any still running after `graceMs`. */
export async function stopChildren(children: Child[], graceMs = 8000): Promise<void> {
  for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGTERM');
  const timer = setTimeout(() => children.forEach((c) => c.process.exitCode === null && c.process.kill('SIGKILL')), graceMs);
  await Promise.all(children.map((c) => c.exited));
  clearTimeout(timer);
}

/**
 * `npm run dev:subgraph` as a real process, for tests: started on free ports with its own data folder,
 * its printed lines collected, and the gateway, simulator and printed secret read from them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LOGIN } from './system.js';

const MAIN = fileURLToPath(new URL('../../dev/subgraph-dev/main.ts', import.meta.url));

export interface GraphQLAnswer {
  data?: Record<string, unknown>;
  errors?: { message: string }[];
}

export interface DevSubgraphProcess {
  process: ChildProcess;
  /** Every line it printed, stdout and stderr. */
  output: string[];
  gatewayUrl: string;
  simulatorUrl: string;
  /** The subgraph's secret variable and value, as printed for verifying the injected identity. */
  secretEnv: string;
  secret: string;
  graphql(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLAnswer>;
  /** Logs `user` in from `appId` through the gateway (a simulated wx.login code); returns the access token. */
  login(appId: string, user: string): Promise<string>;
  /** Waits for `check`, failing with the last lines printed. */
  eventually(check: () => Promise<boolean> | boolean, what: string, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A port free right now, for a child that must be told its port up front. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const post = async <T>(url: string, body: unknown, token?: string): Promise<T> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
};

/** Starts `npm run dev:subgraph -- <args>` and waits until it says it is ready. */
export async function startDevSubgraph(args: string[]): Promise<DevSubgraphProcess> {
  const output: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'dev-subgraph-data-'));
  const ports = { GATEWAY_PORT: 0, IDENTITY_PORT: 0, COUPONS_PORT: 0, PRODUCTS_PORT: 0, WECHAT_SIM_PORT: 0, MONGO_DEV_PORT: 0 };
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
  // Secrets kept across runs go to the run's own folder (unless the test names one), not the repository's .data/.
  const secrets = args.includes('--secrets-dir') ? [] : ['--secrets-dir', join(dataDir, 'secrets')];
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...secrets, ...args], {
    env: { ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push(line));

  const eventually = async (check: () => Promise<boolean> | boolean, what: string, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}\n${output.slice(-40).join('\n')}`);
      await sleep(100);
    }
  };
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await eventually(() => output.some((line) => line.includes('dev:subgraph ready')) || child.exitCode !== null, 'dev:subgraph ready', 150_000);
    if (child.exitCode !== null) throw new Error(`dev:subgraph exited with ${child.exitCode}:\n${output.join('\n')}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const text = output.join('\n');
  const [, secretEnv, secret] = /^\s+([A-Z0-9_]+_SUBGRAPH_SECRET)=(\S+)/m.exec(text)!;
  const gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
  const simulatorUrl = /WeChat simulator\s+(\S+)/.exec(text)![1]!;
  const graphql = (query: string, variables?: Record<string, unknown>, token?: string) => post<GraphQLAnswer>(gatewayUrl, { query, variables }, token);
  return {
    process: child,
    output,
    gatewayUrl,
    simulatorUrl,
    secretEnv: secretEnv!,
    secret: secret!,
    graphql,
    login: async (appId, user) => {
      const { code } = await post<{ code: string }>(`${simulatorUrl}/sim/login`, { appId, user });
      const result = await graphql(LOGIN, { appId, code });
      const session = result.data?.login as { accessToken: string } | undefined;
      if (!session) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
      return session.accessToken;
    },
    eventually,
    stop,
  };
}

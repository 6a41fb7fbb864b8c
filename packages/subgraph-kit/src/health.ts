/**
 * Liveness and readiness, the same on every server. `/healthz` says the process is alive (it answers, so it
 * is). `/readyz` says it can serve: every readiness check passes and it is not shutting down; otherwise 503
 * with a JSON body naming what is not ready. A check that only degrades the service (a merchant subgraph
 * that is down costs only its fields) is reported without failing readiness.
 */
import type { RawRoute } from './raw-route.js';

/** What a check found: nothing wrong, a reason the server cannot serve, or a reason it serves with less. */
export type CheckResult = { ok: true } | { ok: false; reason: string; degradedOnly?: boolean };

export interface ReadinessCheck {
  /** Names the dependency in the /readyz body, e.g. "identityStore", "subgraph:coupons". */
  name: string;
  check(): Promise<CheckResult>;
}

/** A check that takes longer than this is reported as not answering: /readyz itself must never hang. */
const CHECK_TIMEOUT_MS = 2000;

export const OK: CheckResult = { ok: true };

/** Runs every check at once; `ready` unless one fails outright or the server is draining. */
export async function readiness(
  checks: readonly ReadinessCheck[],
  draining: boolean,
): Promise<{ ready: boolean; results: (readonly [string, CheckResult])[]; body: Record<string, unknown> }> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await withTimeout(c)] as const));
  const failing = results.some(([, result]) => !result.ok && !result.degradedOnly);
  const report = Object.fromEntries(
    results.map(([name, result]) => [name, result.ok ? 'ok' : result.degradedOnly ? `degraded: ${result.reason}` : result.reason]),
  );
  const ready = !failing && !draining;
  return { ready, results, body: { status: ready ? 'ready' : 'not ready', ...(draining ? { shuttingDown: true } : {}), checks: report } };
}

/** GET /healthz and GET /readyz. */
export function healthRoutes(checks: readonly ReadinessCheck[], draining: () => boolean): RawRoute[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handle: (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'alive' })),
    },
    {
      method: 'GET',
      path: '/readyz',
      handle: async (_req, res) => {
        const { ready, body } = await readiness(checks, draining());
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      },
    },
  ];
}

/** What the database check needs of a connection (a mongoose Connection is one). */
export interface PingableConnection {
  readonly db?: { admin(): { ping(): Promise<unknown> } } | undefined;
}

/** The service's MongoDB database answers a ping. */
export function databaseCheck(name: string, connection: PingableConnection): ReadinessCheck {
  return {
    name,
    check: async () => {
      const db = connection.db;
      if (!db) return { ok: false, reason: 'not connected' };
      await db.admin().ping();
      return OK;
    },
  };
}

async function withTimeout(check: ReadinessCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.check().catch((error: unknown) => ({ ok: false as const, reason: errorReason(error) })), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short reason without hosts or credentials: the error's class and code, never its message. */
function errorReason(error: unknown): string {
  if (!(error instanceof Error)) return 'failed';
  const code = (error as { code?: unknown }).code;
  return `failed (${error.name}${typeof code === 'string' || typeof code === 'number' ? ` ${code}` : ''})`;
}

/**
 * The WeChat API simulator's HTTP server. Development and tests only: production's WECHAT_API_BASE is
 * https://api.weixin.qq.com and this never runs there.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlatformConfig } from '../../platform/config/platform-config.js';
import { simControlRoutes } from './sim-control.js';
import { SimulatorState } from './sim-state.js';
import { wechatError, type SimHandler, type SimReply } from './sim-http.js';
import { pushVerifyTicket } from './ticket-push.js';
import { wechatApiRoutes } from './wechat-api.js';

export interface WechatSimulatorOptions {
  config: PlatformConfig;
  secretOf: (envName: string) => string | undefined;
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
}

export interface WechatSimulator {
  readonly url: string;
  readonly state: SimulatorState;
  /** Pushes the current component_verify_ticket to a third-party platform's event URL, as WeChat does every 10 minutes. */
  pushVerifyTicket(eventUrl: string): Promise<number>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

export async function startWechatSimulator(options: WechatSimulatorOptions): Promise<WechatSimulator> {
  const state = new SimulatorState();
  const routes = new Map<string, SimHandler>(
    Object.entries({ ...wechatApiRoutes({ config: options.config, state, secretOf: options.secretOf }), ...simControlRoutes(options.config, state) }),
  );

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const handler = routes.get(`${req.method} ${url.pathname}`);
    const body = await readJson(req);
    let reply: SimReply;
    if (!handler) reply = { status: 404, body: { errcode: 404, errmsg: `no such API: ${req.method} ${url.pathname}` } };
    else if (body === undefined) reply = wechatError(47001, 'data format error');
    else {
      if (!url.pathname.startsWith('/sim/')) {
        state.calls.set(url.pathname, (state.calls.get(url.pathname) ?? 0) + 1);
        const fault = state.takeFault(url.pathname);
        if (fault?.delayMs) await sleep(fault.delayMs);
        if (fault?.errcode !== undefined) reply = wechatError(fault.errcode, 'simulated fault');
      }
      reply ??= handler({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, headers: req.headers });
    }
    res.writeHead(reply.status, { ...(reply.body === undefined ? {} : { 'content-type': 'application/json' }), ...reply.headers });
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    state,
    pushVerifyTicket: (eventUrl) => pushVerifyTicket(options.config, options.secretOf, state.verifyTicket, eventUrl),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The JSON body as an object; {} for none; undefined when it is not a JSON object or too big. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The identity service's Prometheus metrics (GET /metrics): logins by app and outcome, WeChat errors by
 * API and errcode, token refreshes by outcome (a reuse is `REFRESH_TOKEN_REUSED`), and links by route
 * and outcome. Labels take only values from fixed sets: registered app ids, error codes of the registry,
 * WeChat's documented errcodes, link routes.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { isStoreUnreachable } from '../../platform/identity-store/unavailable.js';
import { PlatformError } from '../../platform/errors.js';
import type { RawRoute } from '@identity-federation-gateway/subgraph-kit';
import type { LinkRoute } from '../../platform/identity-store/models.js';
import { WechatErrcode } from '../../platform/wechat/wechat-error.js';

const KNOWN_ERRCODES = new Set<number>(Object.values(WechatErrcode));

/** `ok`, the registry code a failure was answered with, or `error` for anything unexpected. */
export function outcomeOf(error: unknown): string {
  if (isStoreUnreachable(error)) return 'IDENTITY_STORE_UNAVAILABLE';
  return error instanceof PlatformError ? error.code : 'error';
}

export class IdentityMetrics {
  private readonly registry = new Registry();
  private readonly logins = new Counter({
    name: 'identity_logins_total',
    help: 'Logins by app (registered app ids only) and outcome (ok or the error code answered)',
    labelNames: ['app', 'outcome'],
    registers: [this.registry],
  });
  private readonly wechatErrors = new Counter({
    name: 'identity_wechat_errors_total',
    help: 'Failed WeChat API calls (each attempt) by API path and errcode (none: timeout or HTTP failure; other: undocumented)',
    labelNames: ['path', 'errcode'],
    registers: [this.registry],
  });
  private readonly refreshes = new Counter({
    name: 'identity_token_refreshes_total',
    help: 'Refresh-token rotations by outcome (ok, REFRESH_TOKEN_INVALID, REFRESH_TOKEN_REUSED: the family was revoked)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly links = new Counter({
    name: 'identity_links_total',
    help: 'Links by route and outcome (ok, refused, or the error code answered)',
    labelNames: ['route', 'outcome'],
    registers: [this.registry],
  });

  constructor(private readonly platform: PlatformIndex) {
    collectDefaultMetrics({ register: this.registry });
  }

  login(appId: string, outcome: string): void {
    this.logins.inc({ app: this.platform.app(appId) ? appId : 'unregistered', outcome });
  }

  wechatError(path: string, errcode: number | undefined): void {
    this.wechatErrors.inc({ path, errcode: errcode === undefined ? 'none' : KNOWN_ERRCODES.has(errcode) ? String(errcode) : 'other' });
  }

  refresh(outcome: string): void {
    this.refreshes.inc({ outcome });
  }

  link(route: LinkRoute, outcome: string): void {
    this.links.inc({ route, outcome });
  }

  /** GET /metrics. */
  route(): RawRoute {
    return {
      method: 'GET',
      path: '/metrics',
      handle: async (_req, res) => {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(await this.registry.metrics());
      },
    };
  }
}

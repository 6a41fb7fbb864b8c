/**
 * Fetches under a field that started a session (`login`, `refreshSession`) run as that session's viewer.
 * The identity subgraph reports each session it started in its response extensions; the gateway verifies
 * the access token exactly as it verifies a client's, and, for the rest of this request only, gives fetches
 * whose response path lies under that field the new viewer's identities. So `login { user { coupons } }`
 * reaches the merchant subgraph with the OpenID of the person who just logged in. The extension is removed
 * before anything else sees the response, and a report that does not verify changes nothing.
 */
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { NEW_SESSIONS_EXTENSION } from '../platform/identity/access-token.js';
import { buildGatewayContext, type GatewayContext } from './gateway-context.js';
import type { IdentityDirectory } from './identity-directory.js';
import type { ViewerVerifier } from './viewer.js';

type ResponsePath = readonly (string | number)[];

interface SessionScope {
  path: ResponsePath;
  context: GatewayContext;
}

export class SessionViewers {
  private readonly scopes = new WeakMap<GatewayContext, SessionScope[]>();

  constructor(
    private readonly verify: ViewerVerifier,
    private readonly directory: IdentityDirectory | undefined,
  ) {}

  /**
   * Takes the new-session report out of an identity-subgraph answer and remembers each verified session
   * for `context`'s request. `fetchPath` is where that fetch sits in the client's response.
   */
  async take(context: GatewayContext, fetchPath: ResponsePath | undefined, response: GatewayGraphQLResponse): Promise<void> {
    const reports = response.extensions?.[NEW_SESSIONS_EXTENSION];
    if (reports === undefined) return;
    delete response.extensions![NEW_SESSIONS_EXTENSION];
    if (!Array.isArray(reports)) return;
    for (const report of reports as unknown[]) {
      if (!isReport(report)) continue;
      // The token is checked like any client's: a report can never name a viewer the identity service did not sign.
      const viewer = await this.verify(`Bearer ${report.accessToken}`).catch(() => undefined);
      if (!viewer) continue;
      const scopes = this.scopes.get(context) ?? [];
      scopes.push({ path: [...(fetchPath ?? []), ...report.path], context: buildGatewayContext(context.requestId, viewer, this.directory) });
      this.scopes.set(context, scopes);
    }
  }

  /** The context a fetch at `fetchPath` runs in: the new session's under its field, the request's elsewhere. */
  contextAt(context: GatewayContext, fetchPath: ResponsePath | undefined): GatewayContext {
    const scopes = this.scopes.get(context);
    if (!scopes || !fetchPath) return context;
    return scopes.find((scope) => isPrefix(scope.path, fetchPath))?.context ?? context;
  }
}

function isReport(value: unknown): value is { path: (string | number)[]; accessToken: string } {
  if (value === null || typeof value !== 'object') return false;
  const { path, accessToken } = value as Record<string, unknown>;
  return typeof accessToken === 'string' && Array.isArray(path) && path.length > 0 && path.every((p) => typeof p === 'string' || typeof p === 'number');
}

function isPrefix(prefix: ResponsePath, path: ResponsePath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

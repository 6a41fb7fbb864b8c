/**
 * The operator console: a separate HTTP service on its own port (never routed through the public
 * gateway). Operators log in, find a person, read what the platform holds and act on it as their role
 * allows. Actions go through the identity service's PrivacyRights, so the rules are the ones the
 * mini-program meets, and every action is audited with the operator's id.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlatformError } from '../platform/errors.js';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import type { RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';
import type { IdentityModels } from '../platform/identity-store/models.js';
import type { Logger } from '../platform/logger.js';
import type { AuditLog, PrivacyRights } from '../subgraphs/identity/privacy-api.js';
import { cookie, cookies, readForm, redirect, sendBody, sendHtml } from './http.js';
import { LoginRateLimit, OperatorSessions, SESSION_TTL_MS, newToken, sameToken, type OperatorSession } from './operator-sessions.js';
import type { OperatorDirectory } from './operators.js';
import { STYLESHEET, STYLESHEET_PATH, dashboardPage, erasePage, loginPage, messagePage, searchPage } from './pages.js';
import { userPage } from './user-page.js';
import { UserLookup } from './user-lookup.js';

export const SESSION_COOKIE = 'console_session';
const LOGIN_CSRF_COOKIE = 'console_login_csrf';

export interface ConsoleOptions {
  models: IdentityModels;
  privacy: PrivacyRights;
  audit: AuditLog;
  operators: OperatorDirectory;
  /** Mark cookies Secure (set whenever the console is served over HTTPS). */
  secureCookies: boolean;
  logger: Logger;
  host?: string;
  port?: number;
  /** @default 5 failures per 15 minutes per address and operator id (20 per address) */
  loginRateLimit?: { maxFailures: number; windowMs: number };
}

const DONE: Record<string, string> = {
  unlinked: 'The merchant was unlinked.',
  revoked: 'Every session of this user was revoked.',
};
const USER_ROUTE = /^\/users\/([A-Za-z0-9_-]{1,128})(?:\/(reveal|unlink|export|revoke-sessions|erase))?$/;

export async function startConsole(options: ConsoleOptions): Promise<RunningHttpServer> {
  const sessions = new OperatorSessions();
  const limit = new LoginRateLimit(options.loginRateLimit?.maxFailures, options.loginRateLimit?.windowMs);
  const lookup = new UserLookup(options.models);
  const secure = options.secureCookies;

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    if (!sameToken(form.get('_csrf') ?? undefined, cookies(req).get(LOGIN_CSRF_COOKIE)))
      throw new HttpError(403, 'FORBIDDEN', 'The login form expired; reload it.');
    const operatorId = (form.get('operator') ?? '').trim();
    const address = req.socket.remoteAddress ?? 'unknown';
    const csrf = newToken();
    const again = (status: number, error: string) =>
      sendHtml(res, status, loginPage(csrf, error), { 'set-cookie': cookie(LOGIN_CSRF_COOKIE, csrf, { secure, maxAgeSeconds: 3600 }) });
    if (limit.blocked(address, operatorId)) return again(429, 'Too many failed logins. Wait 15 minutes and try again.');
    const operator = await options.operators.authenticate(operatorId, form.get('password') ?? '');
    if (!operator) {
      limit.fail(address, operatorId);
      options.logger.warn({ operatorId, ip: req.socket.remoteAddress }, 'console login failed');
      return again(401, 'Unknown operator or wrong password.');
    }
    const session = sessions.start(operator);
    options.logger.info({ operatorId: operator.id }, 'console login');
    redirect(res, '/', { 'set-cookie': cookie(SESSION_COOKIE, session.id, { secure, maxAgeSeconds: SESSION_TTL_MS / 1000 }) });
  }

  /** The user routes; `action` is undefined for the page itself. */
  async function user(req: IncomingMessage, res: ServerResponse, session: OperatorSession, userId: string, action: string | undefined, url: URL) {
    if (!(await lookup.exists(userId))) return sendHtml(res, 404, messagePage('Not found', 'No such user (it may have been erased).', session));
    const actor = { operatorId: session.operator.id };
    const show = async (status: number, extra: { revealed?: string; message?: string } = {}) =>
      sendHtml(
        res,
        status,
        userPage(session, {
          userId,
          record: await options.privacy.view(userId),
          identities: await lookup.identities(userId),
          merges: await lookup.merges(userId),
          trail: await options.audit.forUser(userId),
          ...extra,
        }),
      );
    if (req.method === 'GET' && action === undefined) {
      // Looking at a person's record is itself recorded (they see it in their export): once per operator and hour.
      const hour = new Date().toISOString().slice(0, 13);
      await options.audit.record({ action: 'RECORD_VIEWED', userId, key: `viewed:${session.operator.id}:${userId}:${hour}`, ...actor });
      return show(200, { message: DONE[url.searchParams.get('done') ?? ''] });
    }
    if (req.method === 'GET' && action === 'erase') return sendHtml(res, 200, erasePage(requirePrivacy(session), userId));
    if (req.method !== 'POST' || action === undefined) throw new HttpError(405, 'BAD_REQUEST', 'Method not allowed.');
    const form = await readForm(req);
    if (!sameToken(form.get('_csrf') ?? undefined, session.csrf)) throw new HttpError(403, 'FORBIDDEN', 'Missing or wrong CSRF token.');
    if (action === 'reveal') {
      const identity = (await lookup.identities(userId)).find((i) => String(i._id) === form.get('identity'));
      if (!identity) throw new HttpError(400, 'BAD_USER_INPUT', 'No such identity.');
      await options.audit.record({ action: 'OPENID_REVEALED', userId, appId: identity.appId, merchantId: identity.merchantId ?? undefined, ...actor });
      return show(200, { revealed: String(identity._id), message: 'OpenID revealed; this was recorded in the audit trail.' });
    }
    requirePrivacy(session);
    if (action === 'unlink') {
      await options.privacy.unlinkMerchant(userId, form.get('merchantId') ?? '', actor);
      return redirect(res, `/users/${userId}?done=unlinked`);
    }
    if (action === 'revoke-sessions') {
      await options.privacy.revokeSessions(userId, actor);
      return redirect(res, `/users/${userId}?done=revoked`);
    }
    if (action === 'export') {
      const data = await options.privacy.exportData(userId, actor);
      return sendBody(res, 200, 'application/json; charset=utf-8', JSON.stringify(data, null, 2), {
        'content-disposition': `attachment; filename="export-${userId}.json"`,
      });
    }
    if (form.get('confirm') !== userId) return sendHtml(res, 400, erasePage(session, userId, 'The user id you typed does not match; nothing was erased.'));
    const { notifiedMerchants } = await options.privacy.erase(userId, actor);
    options.logger.info({ operatorId: session.operator.id, notices: notifiedMerchants.length }, 'account erased by an operator');
    return sendHtml(
      res,
      200,
      messagePage('Account erased', `The account was erased. Erasure notices queued: ${notifiedMerchants.join(', ') || 'none'}.`, session),
    );
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console');
    if (req.method === 'GET' && url.pathname === '/healthz') return sendBody(res, 200, 'text/plain', 'ok');
    if (req.method === 'GET' && url.pathname === STYLESHEET_PATH) return sendBody(res, 200, 'text/css', STYLESHEET);
    if (req.method === 'GET' && url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (req.method === 'GET' && url.pathname === '/login') {
      // Keep a token already issued: another tab, or a second load, must not invalidate the form on screen.
      const issued = cookies(req).get(LOGIN_CSRF_COOKIE);
      const csrf = issued && /^[A-Za-z0-9_-]{43}$/.test(issued) ? issued : newToken();
      return sendHtml(res, 200, loginPage(csrf), { 'set-cookie': cookie(LOGIN_CSRF_COOKIE, csrf, { secure, maxAgeSeconds: 3600 }) });
    }
    if (req.method === 'POST' && url.pathname === '/login') return login(req, res);

    const session = sessions.find(cookies(req).get(SESSION_COOKIE));
    if (!session) {
      if (req.method === 'GET') return redirect(res, '/login');
      throw new HttpError(401, 'UNAUTHENTICATED', 'Log in first.');
    }
    if (req.method === 'POST' && url.pathname === '/logout') {
      if (!sameToken((await readForm(req)).get('_csrf') ?? undefined, session.csrf)) throw new HttpError(403, 'FORBIDDEN', 'Missing or wrong CSRF token.');
      sessions.end(session.id);
      return redirect(res, '/login', { 'set-cookie': cookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }) });
    }
    if (req.method === 'GET' && url.pathname === '/') return sendHtml(res, 200, dashboardPage(session, await lookup.dashboard()));
    if (req.method === 'GET' && url.pathname === '/search') {
      const query = url.searchParams.get('q') ?? '';
      const found = await lookup.find(query);
      if (found.length === 1) return redirect(res, `/users/${found[0]}`);
      return sendHtml(res, 200, searchPage(session, query, found));
    }
    const match = USER_ROUTE.exec(url.pathname);
    if (match) return user(req, res, session, match[1]!, match[2], url);
    sendHtml(res, 404, messagePage('Not found', 'There is no such page.', session));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      if (error instanceof HttpError) return sendHtml(res, error.status, messagePage('Refused', error.message));
      if (error instanceof PlatformError) return sendHtml(res, 409, messagePage('Refused', error.message));
      options.logger.error({ err: error }, 'console request failed');
      sendHtml(res, 500, messagePage('Error', 'Something failed; see the console log.'));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Browsers keep connections open; an idle one must not hold the console up.
        server.closeAllConnections();
      }),
  };
}

/** Only the privacy role may change or take data out; support reads. */
function requirePrivacy(session: OperatorSession): OperatorSession {
  if (session.operator.role !== 'privacy') throw new HttpError(403, 'FORBIDDEN', 'This needs the privacy role.');
  return session;
}

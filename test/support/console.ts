/**
 * The operator console over the test system's identity database, as `npm run start:console` wires it
 * (its own connection, the development operator accounts), and an HTTP client that keeps the session
 * cookie and sends the page's CSRF token, like a browser submitting the console's forms.
 */
import mongoose from 'mongoose';
import { fileURLToPath } from 'node:url';
import { startConsole } from '../../console/console-server.js';
import { loadOperators } from '../../console/operators.js';
import { identityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import { privacyRightsFor } from '../../subgraphs/identity/privacy-api.js';
import type { System } from './system.js';

export const DEV_OPERATORS = fileURLToPath(new URL('../../console/dev-operators.json', import.meta.url));
/** The development accounts the README documents. */
export const OPERATORS = {
  support: { id: 'support', password: 'support-dev-password' },
  privacy: { id: 'privacy', password: 'privacy-dev-password' },
} as const;

export async function startConsoleFor(system: System, options: { loginRateLimit?: { maxFailures: number; windowMs: number } } = {}) {
  const connection = await mongoose.createConnection(system.identityUri).asPromise();
  const models = identityModels(connection);
  const { audit, privacy } = privacyRightsFor(models, system.platform, { secretOf: (name) => system.secrets[name], logger: createLogger('console', 'silent') });
  const server = await startConsole({
    models,
    privacy,
    audit,
    operators: loadOperators(DEV_OPERATORS),
    secureCookies: false,
    logger: createLogger('console', 'silent'),
    loginRateLimit: options.loginRateLimit,
  });
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await connection.close();
    },
  };
}

export interface ConsoleResponse {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
}

/** A browser-like client: one cookie jar, forms posted url-encoded with the last page's CSRF token. */
export function consoleClient(baseUrl: string) {
  const jar = new Map<string, string>();
  let csrf = '';
  const request = async (method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<ConsoleResponse> => {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const body = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) csrf = token;
    return { status: response.status, location: response.headers.get('location'), body, headers: response.headers };
  };
  return {
    get: (path: string) => request('GET', path),
    /** POSTs a form with the CSRF token of the last page seen (unless `_csrf` is given). */
    post: (path: string, form: Record<string, string> = {}) => request('POST', path, { _csrf: csrf, ...form }),
    async login(operator: { id: string; password: string }) {
      await request('GET', '/login');
      return request('POST', '/login', { _csrf: csrf, operator: operator.id, password: operator.password });
    },
    /** The csrf token of the last page (for posting a form by hand). */
    csrf: () => csrf,
  };
}

/** The operator console's rules over HTTP (no browser): login, cookies, CSRF, rate limit, roles, masking, audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModels } from '../../platform/identity-store/models.js';
import type { DataExport } from '../../subgraphs/identity/data-export.js';
import { OPERATORS, consoleClient, startConsoleFor } from '../support/console.js';
import { identityOf } from '../support/fixtures.js';
import { APPS, startSystem, type System } from '../support/system.js';

let system: System;
let console_: Awaited<ReturnType<typeof startConsoleFor>>;
beforeAll(async () => {
  system = await startSystem();
  console_ = await startConsoleFor(system);
});
afterAll(async () => {
  await console_.close();
  await system.close();
});

const models = () => identityModels(system.identityConnection);
const operatorEvents = (operatorId: string) => models().AuditEvent.find({ operatorId }).lean();

/** A platform user linked to ACME (UnionID), found in the console by her ACME OpenID. */
async function person(name: string) {
  const session = await system.login(APPS.platform, name);
  await system.login(APPS.acme, name);
  return { ...session, acmeOpenId: (await identityOf(system.simulator, APPS.acme, name)).openId };
}

describe('console login', () => {
  it('sets an HttpOnly SameSite=Strict session cookie, and sends everyone else to the login page', async () => {
    const anonymous = consoleClient(console_.url);
    expect((await anonymous.get('/')).location).toBe('/login');
    expect((await anonymous.post('/users/x/erase', { confirm: 'x' })).status).toBe(401);
    const client = consoleClient(console_.url);
    const login = await client.login(OPERATORS.support);
    expect(login.status).toBe(303);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^console_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const dashboard = await client.get('/');
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(dashboard.body).toContain('Dashboard');
  });

  it('keeps the login form\u2019s token across reloads and stray requests (a favicon fetch must not void the form on screen)', async () => {
    const client = consoleClient(console_.url);
    await client.get('/login');
    const token = client.csrf();
    expect((await client.get('/favicon.ico')).status).toBe(204);
    await client.get('/login');
    expect(client.csrf()).toBe(token);
    expect((await client.post('/login', { operator: 'support', password: OPERATORS.support.password })).status).toBe(303);
  });

  it('refuses a login without the form\u2019s CSRF token, and limits failed logins', async () => {
    const forged = consoleClient(console_.url);
    expect((await forged.post('/login', { _csrf: 'forged', operator: 'privacy', password: OPERATORS.privacy.password })).status).toBe(403);
    const limited = await startConsoleFor(system, { loginRateLimit: { maxFailures: 3, windowMs: 60_000 } });
    try {
      const guesser = consoleClient(limited.url);
      for (let i = 0; i < 3; i++) expect((await guesser.login({ id: 'privacy', password: `wrong-${i}` })).status).toBe(401);
      // Blocked now, even with the right password; another operator from here still logs in.
      expect((await guesser.login(OPERATORS.privacy)).status).toBe(429);
      expect((await consoleClient(limited.url).login(OPERATORS.support)).status).toBe(303);
    } finally {
      await limited.close();
    }
  });
});

describe('finding and reading a user', () => {
  it('finds a user by any OpenID, by UnionID and by user id, masks OpenIDs, and audits a reveal', async () => {
    const mia = await person('mia');
    const client = consoleClient(console_.url);
    await client.login(OPERATORS.support);
    const byOpenId = await client.get(`/search?q=${mia.acmeOpenId}`);
    expect(byOpenId.location).toBe(`/users/${mia.userId}`);
    const unionId = (await identityOf(system.simulator, APPS.acme, 'mia')).unionId!;
    expect((await client.get(`/search?q=${unionId}`)).location).toBe(`/users/${mia.userId}`);
    expect((await client.get(`/search?q=${mia.userId}`)).location).toBe(`/users/${mia.userId}`);
    expect((await client.get('/search?q=nobody-at-all')).body).toContain('0 user(s)');

    const page = await client.get(`/users/${mia.userId}`);
    expect(page.body).not.toContain(mia.acmeOpenId);
    // Viewing the record is recorded, once however often the page is opened within the hour.
    await client.get(`/users/${mia.userId}`);
    const views = (await operatorEvents('support')).filter((e) => e.action === 'RECORD_VIEWED');
    expect(views.map((e) => e.userId)).toEqual([mia.userId]);
    for (const section of ['Identities per app', 'Merchant links', 'Consent history', 'Sessions', 'Merges and refused merges', 'Audit trail']) {
      expect(page.body).toContain(section);
    }
    const acme = await models().Identity.findOne({ openId: mia.acmeOpenId }).lean();
    const revealed = await client.post(`/users/${mia.userId}/reveal`, { identity: String(acme!._id) });
    expect(revealed.body).toContain(`data-testid="revealed-openid">${mia.acmeOpenId}<`);
    expect((await operatorEvents('support')).map((e) => [e.action, e.userId, e.appId])).toContainEqual(['OPENID_REVEALED', mia.userId, APPS.acme]);
  });

  it('counts users, links by route, refused merges and pending erasure notices on the dashboard', async () => {
    const client = consoleClient(console_.url);
    await client.login(OPERATORS.support);
    const body = (await client.get('/')).body;
    const users = await models().User.countDocuments({ mergedInto: { $exists: false } });
    expect(body).toContain(`data-testid="users">${users}<`);
    expect(body).toMatch(/<td>UNIONID<\/td>\s*<td>\d+<\/td>/);
    expect(body).toContain('data-testid="refused-merges">0<');
    expect(body).toContain('data-testid="pending-notices">0<');
  });
});

describe('operator actions', () => {
  it('lets support read but not unlink, export, revoke or erase, even by posting directly', async () => {
    const ned = await person('ned');
    const client = consoleClient(console_.url);
    await client.login(OPERATORS.support);
    const page = await client.get(`/users/${ned.userId}`);
    expect(page.body).not.toContain('Erase account');
    for (const [action, form] of [
      ['unlink', { merchantId: 'acme' }],
      ['export', {}],
      ['revoke-sessions', {}],
      ['erase', { confirm: ned.userId }],
    ] as const) {
      expect((await client.post(`/users/${ned.userId}/${action}`, form)).status).toBe(403);
    }
    expect((await client.get(`/users/${ned.userId}/erase`)).status).toBe(403);
    expect(await models().Identity.countDocuments({ userId: ned.userId })).toBe(2);
  });

  it('lets privacy unlink, export, revoke sessions and erase, each audited with the operator id; every POST needs the CSRF token', async () => {
    const ola = await person('ola');
    const client = consoleClient(console_.url);
    await client.login(OPERATORS.privacy);
    await client.get(`/users/${ola.userId}`);
    expect((await client.post(`/users/${ola.userId}/unlink`, { _csrf: 'forged', merchantId: 'acme' })).status).toBe(403);
    expect(await models().Identity.countDocuments({ userId: ola.userId })).toBe(2);

    expect((await client.post(`/users/${ola.userId}/unlink`, { merchantId: 'acme' })).location).toBe(`/users/${ola.userId}?done=unlinked`);
    expect(await models().Identity.countDocuments({ userId: ola.userId })).toBe(1);
    const exported = await client.post(`/users/${ola.userId}/export`);
    expect(exported.headers.get('content-disposition')).toContain('attachment');
    expect((JSON.parse(exported.body) as DataExport).user.id).toBe(ola.userId);
    await client.get(`/users/${ola.userId}`);
    expect((await client.post(`/users/${ola.userId}/revoke-sessions`)).status).toBe(303);
    const refresh = await system.graphql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: ola.refreshToken });
    expect(refresh.errors?.[0]?.extensions?.code).toBe('REFRESH_TOKEN_INVALID');

    // Erasure takes two steps: the confirmation page, then the user id typed back.
    expect((await client.get(`/users/${ola.userId}/erase`)).body).toContain('Type the user id to confirm');
    expect((await client.post(`/users/${ola.userId}/erase`, { confirm: 'not-the-id' })).status).toBe(400);
    expect(await models().User.countDocuments({ _id: ola.userId })).toBe(1);
    const erased = await client.post(`/users/${ola.userId}/erase`, { confirm: ola.userId });
    expect(erased.body).toContain('The account was erased');
    expect(await models().User.countDocuments({ _id: ola.userId })).toBe(0);
    expect((await client.get(`/users/${ola.userId}`)).status).toBe(404);

    const actions = (await operatorEvents('privacy')).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['UNLINK', 'EXPORT', 'SESSIONS_REVOKED', 'ERASURE']));
  });
});

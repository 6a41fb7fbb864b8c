/**
 * The operator console in a real browser: operators log in with the keyboard, find a person created
 * through the gateway by her OpenID, unlink a merchant and see the audit event, export, erase in two
 * steps; a support operator sees no such actions and is refused when posting one directly.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataExport } from '../../subgraphs/identity/data-export.js';
import { OPERATORS, startConsoleFor } from '../../test/support/console.js';
import { identityOf } from '../../test/support/fixtures.js';
import { APPS, startSystem, type System } from '../../test/support/system.js';
import { launchBrowser, shoot, type Browser } from './browser.js';

let system: System;
let consoleUrl: string;
let closeConsole: () => Promise<void>;
let browser: Browser;
beforeAll(async () => {
  system = await startSystem();
  const started = await startConsoleFor(system);
  consoleUrl = started.url;
  closeConsole = started.close;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await closeConsole?.();
  await system?.close();
});

/** Logs in through the form, with the keyboard only (labels find the fields). */
async function logIn(page: Page, operator: { id: string; password: string }, screenshot?: string) {
  await page.goto(consoleUrl);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Operator id').fill(operator.id);
  await page.getByLabel('Password').fill(operator.password);
  if (screenshot) await shoot(page, screenshot);
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL(`${consoleUrl}/`);
}

async function findByOpenId(page: Page, openId: string) {
  await page.getByLabel('Find user').fill(openId);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.waitForURL(/\/users\//);
}

describe('the console in Chromium', () => {
  let alice: { userId: string; acmeOpenId: string };

  beforeAll(async () => {
    const session = await system.login(APPS.platform, 'alice');
    await system.login(APPS.acme, 'alice');
    await system.grantDisclosure(session.accessToken, 'acme');
    await system.graphql(`{ me { coupons { coupon { id } } } }`, undefined, session.accessToken);
    alice = { userId: session.userId, acmeOpenId: (await identityOf(system.simulator, APPS.acme, 'alice')).openId };
  });

  it('a privacy operator finds a person by her ACME OpenID, unlinks ACME and sees the audit event, and exports', async () => {
    const page = await browser.newPage();
    await logIn(page, OPERATORS.privacy, '01-login');
    await expect(page.getByRole('heading', { name: 'Dashboard' }).isVisible()).resolves.toBe(true);
    await shoot(page, '02-dashboard');

    await findByOpenId(page, alice.acmeOpenId);
    expect(page.url()).toBe(`${consoleUrl}/users/${alice.userId}`);
    expect(await page.content()).not.toContain(alice.acmeOpenId);
    await shoot(page, '03-user-page-masked');

    await page.getByTestId('identities').getByRole('row').filter({ hasText: 'acme' }).getByRole('button', { name: 'Reveal' }).click();
    expect(await page.getByTestId('revealed-openid').textContent()).toBe(alice.acmeOpenId);
    await shoot(page, '04-openid-revealed');

    await page.getByRole('button', { name: 'Unlink acme' }).click();
    await page.getByText('The merchant was unlinked.').waitFor();
    const unlinkRow = page.getByTestId('audit-trail').getByRole('row').filter({ hasText: 'UNLINK' });
    expect(await unlinkRow.textContent()).toContain('privacy');
    expect(await page.getByTestId('links').getByRole('row').count()).toBe(1);
    await shoot(page, '05-after-unlink-audit-trail');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export data (JSON)' }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as DataExport;
    expect(exported.user.id).toBe(alice.userId);
    expect(exported.auditEvents.map((e) => e.action)).toContain('UNLINK');
  });

  it('erasure takes two steps, and the erased person is gone from the console', async () => {
    const bea = await system.login(APPS.platform, 'bea');
    const page = await browser.newPage();
    await logIn(page, OPERATORS.privacy);
    await findByOpenId(page, (await identityOf(system.simulator, APPS.platform, 'bea')).openId);
    await page.getByRole('button', { name: 'Erase account…' }).click();
    await page.getByLabel('Type the user id to confirm').fill('wrong');
    await page.getByRole('button', { name: 'Erase permanently' }).click();
    await page.getByText('does not match').waitFor();
    await shoot(page, '06-erase-confirmation-mismatch');
    await page.getByLabel('Type the user id to confirm').fill(bea.userId);
    await page.getByRole('button', { name: 'Erase permanently' }).click();
    await page.getByText('The account was erased').waitFor();
    await shoot(page, '07-erased');
    const gone = await page.goto(`${consoleUrl}/users/${bea.userId}`);
    expect(gone?.status()).toBe(404);
  });

  it('a support operator sees no privacy actions, and posting one directly is refused with 403', async () => {
    const page = await browser.newPage();
    await logIn(page, OPERATORS.support);
    await findByOpenId(page, alice.acmeOpenId);
    expect(await page.getByRole('button', { name: 'Erase account…' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Export data (JSON)' }).count()).toBe(0);
    await shoot(page, '08-support-user-page');

    // The page's own CSRF token, and the browser's session cookie: only the role stands in the way.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const form = { _csrf: csrf, confirm: alice.userId };
    const erase = await page.request.post(`${consoleUrl}/users/${alice.userId}/erase`, { form });
    expect(erase.status()).toBe(403);
    const exported = await page.request.post(`${consoleUrl}/users/${alice.userId}/export`, { form });
    expect(exported.status()).toBe(403);
    const confirmPage = await page.goto(`${consoleUrl}/users/${alice.userId}/erase`);
    expect(confirmPage?.status()).toBe(403);
    await shoot(page, '09-support-refused');
    expect((await system.graphql(`{ me { id } }`, undefined, (await system.login(APPS.platform, 'alice')).accessToken)).data).toEqual({
      me: { id: alice.userId },
    });
  });
});

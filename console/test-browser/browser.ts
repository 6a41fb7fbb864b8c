/**
 * Debian's Chromium (`apt-get install chromium`), driven by playwright-core: no browser download, a fresh
 * profile per run, nothing that phones home. Screenshots go to console/screenshots/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  /** A new page in a fresh browser context (its own cookies). */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: { context: BrowserContext; profile: string }[] = [];
  return {
    async newPage() {
      const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ARGS,
        acceptDownloads: true,
        viewport: { width: 1280, height: 900 },
      });
      contexts.push({ context, profile });
      return context.pages()[0] ?? context.newPage();
    },
    async close() {
      for (const { context, profile } of contexts) {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** Saves a full-page screenshot as console/screenshots/<name>.png. */
export const shoot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/**
 * The example's two mini-programs run as WeChat runs them: each folder is a WeChat DevTools project
 * (project.config.json, app.json, every page's files), "Build npm" is done as DevTools does it (the
 * client's `miniprogram` folder copied into miniprogram_npm), the TypeScript is compiled file by file as
 * DevTools' TypeScript plugin does, and app.js and every page of app.json run in a sandbox that has only
 * what a mini-program has: `wx`, App, Page, getApp, require resolving inside the project or to
 * miniprogram_npm (no Node globals, no fetch): mini-program-sandbox.ts. The pages then talk to the real
 * system through the wx shim.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT, WECHAT_SIMULATOR } from '../../examples/mini-program/config.js';
import { ENDPOINT as ACME_ENDPOINT, WECHAT_SIMULATOR as ACME_SIMULATOR } from '../../examples/mini-program/acme-app/config.js';
import { startSystem, type System } from '../support/system.js';
import { createPhone, type WxShim } from '../support/wx-shim.js';
import { startMiniProgram } from './mini-program-sandbox.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/mini-program/', import.meta.url));
const APPS = { platform: EXAMPLE, acme: join(EXAMPLE, 'acme-app') };

interface ProjectConfig {
  compileType: string;
  miniprogramRoot: string;
  appid: string;
  setting: { urlCheck: boolean; useCompilerPlugins?: string[] };
  packOptions: { ignore: { type: string; value: string }[] };
}
const json = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

/**
 * The phone's `wx`, with what the apps' config files name answered by the test's system, as a hosts
 * entry would: the gateway, and the WeChat simulator the apps ask for login codes (as with `npm start`).
 */
function onThisSystem(wx: WxShim): WxShim {
  const moved = (url: string) => {
    if (url === ENDPOINT || url === ACME_ENDPOINT) return system.gatewayUrl;
    for (const simulator of [WECHAT_SIMULATOR, ACME_SIMULATOR]) if (url.startsWith(`${simulator}/`)) return system.simulator.url + url.slice(simulator.length);
    return url;
  };
  return new Proxy(wx, {
    get(target, property, receiver) {
      if (property !== 'request') return Reflect.get(target, property, receiver);
      return (option: WechatMiniprogram.RequestOption) => target.request({ ...option, url: moved(option.url) });
    },
  });
}

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

describe('the example mini-programs, as WeChat DevTools opens them', () => {
  it.each(Object.entries(APPS))('%s app: a DevTools project whose every page exists and whose code stays inside it', (name, root) => {
    const project = json<ProjectConfig>(join(root, 'project.config.json'));
    expect(project).toMatchObject({ compileType: 'miniprogram', miniprogramRoot: './', setting: { urlCheck: false } });
    expect(project.setting.useCompilerPlugins).toContain('typescript');
    expect(project.appid).toMatch(/^wx[0-9a-f]{16}$/);
    const dependencies = json<{ dependencies: Record<string, string> }>(join(root, 'package.json')).dependencies;
    expect(Object.keys(dependencies)).toEqual(['identity-federation-client']);
    const app = json<{ pages: string[]; sitemapLocation?: string }>(join(root, 'app.json'));
    for (const page of app.pages) {
      for (const extension of ['.ts', '.wxml', '.json']) expect(existsSync(join(root, `${page}${extension}`)), `${name}: ${page}${extension}`).toBe(true);
    }
    if (app.sitemapLocation) expect(existsSync(join(root, app.sitemapLocation))).toBe(true);
    if (name === 'platform') expect(project.packOptions.ignore).toContainEqual({ type: 'folder', value: 'acme-app' });
  });

  it('runs the platform app: app.js and every page load with only WeChat\u2019s globals, and the home page renders from the system', async () => {
    const phone = createPhone(system.simulator, 'runtime-ada');
    const wx = phone.app('wx1000000000000001');
    const app = startMiniProgram(APPS.platform, onThisSystem(wx));
    const home = app.page('pages/home/home');
    await (home.refresh as () => Promise<void>).call(home);
    expect(home.data.failed).toBe('');
    expect(home.data.userId).toMatch(/\S/);
    expect((home.data.availableCoupons as unknown[]).length).toBeGreaterThan(0);
    expect((home.data.products as unknown[]).length).toBeGreaterThan(0);
    // Not linked to ACME yet: the page offers the link, as the gateway said MERCHANT_IDENTITY_NOT_LINKED.
    expect(home.data.linkHints).toContain('acme');
    const account = app.page('pages/account/account');
    await (account.refresh as () => Promise<void>).call(account);
    expect(account.data.failed).toBe('');
    // As in DevTools against `npm start`: the login code came from the simulator, not wx.login().
    expect(wx.logins()).toBe(0);
  });

  it('runs ACME\u2019s app the same way: the handoff page logs the person in on load', async () => {
    // The same simulated person as the platform app's (config.ts's SIMULATED_PERSON), now in ACME's app.
    const wx = createPhone(system.simulator, 'runtime-ben').app('wx3000000000000001');
    const app = startMiniProgram(APPS.acme, onThisSystem(wx));
    const handoff = app.page('pages/handoff/handoff');
    await (handoff.onLoad as () => Promise<void>).call(handoff);
    expect(handoff.data).toMatchObject({ failed: '', linked: false });
    expect(handoff.data.linkedMerchants).toEqual(['acme']);
  });
});

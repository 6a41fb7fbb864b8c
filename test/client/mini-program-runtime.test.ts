/**
 * The example's two mini-programs run as WeChat runs them: each folder is a WeChat DevTools project
 * (project.config.json, app.json, every page's files), "Build npm" is done as DevTools does it (the
 * client's `miniprogram` folder copied into miniprogram_npm), the TypeScript is compiled file by file as
 * DevTools' TypeScript plugin does, and app.js and every page of app.json run in a sandbox that has only
 * what a mini-program has: `wx`, App, Page, getApp, require resolving inside the project or to
 * miniprogram_npm (no Node globals, no fetch). The pages then talk to the real system through the wx shim.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createContext, runInContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT, WECHAT_SIMULATOR } from '../../examples/mini-program/config.js';
import { ENDPOINT as ACME_ENDPOINT, WECHAT_SIMULATOR as ACME_SIMULATOR } from '../../examples/mini-program/acme-app/config.js';
import { startSystem, type System } from '../support/system.js';
import { createPhone, type WxShim } from '../support/wx-shim.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/mini-program/', import.meta.url));
const CLIENT = fileURLToPath(new URL('../../packages/client/', import.meta.url));
const APPS = { platform: EXAMPLE, acme: join(EXAMPLE, 'acme-app') };

interface ProjectConfig {
  compileType: string;
  miniprogramRoot: string;
  appid: string;
  setting: { urlCheck: boolean; useCompilerPlugins?: string[] };
  packOptions: { ignore: { type: string; value: string }[] };
}
const json = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The project's TypeScript files, as DevTools compiles them (its own folders only: a nested project is another project). */
function sources(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || existsSync(join(path, 'project.config.json')) ? [] : sources(root, path);
    return name.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

interface PageInstance {
  data: Record<string, unknown>;
  setData(patch: Record<string, unknown>): void;
  [hook: string]: unknown;
}

/** Loads one mini-program: its compiled modules, the client from miniprogram_npm, and WeChat's globals only. */
function loadMiniProgram(root: string, wx: WxShim) {
  const compiled = new Map(
    sources(root).map((file) => [
      file.replace(/\.ts$/, '.js'),
      ts.transpileModule(readFileSync(join(root, file), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2017 } })
        .outputText,
    ]),
  );
  // Build npm: each dependency's `miniprogram` folder (else its main file's folder) becomes miniprogram_npm/<name>.
  const clientManifest = json<{ name: string; miniprogram: string }>(join(CLIENT, 'package.json'));
  const npm = { name: clientManifest.name, dir: join(CLIENT, clientManifest.miniprogram) };
  let app: unknown;
  const pages = new Map<string, Record<string, unknown>>();
  let loadingPage = '';
  const context = createContext({
    wx,
    console,
    setTimeout,
    clearTimeout,
    Promise,
    JSON,
    Date,
    Math,
    Object,
    Array,
    Error,
    encodeURIComponent,
    decodeURIComponent,
  });
  const modules = new Map<string, { exports: Record<string, unknown> }>();
  const load = (key: string, code: () => string, requireFrom: (specifier: string) => unknown) => {
    const known = modules.get(key);
    if (known) return known.exports;
    const module = { exports: {} as Record<string, unknown> };
    modules.set(key, module);
    const wrapped = runInContext(`(function (exports, require, module, App, Page, getApp) {${code()}\n})`, context) as (...args: unknown[]) => void;
    const appHook = (options: unknown) => void (app = options);
    const pageHook = (options: Record<string, unknown>) => void pages.set(loadingPage, options);
    wrapped(module.exports, requireFrom, module, appHook, pageHook, () => app);
    return module.exports;
  };
  const fromNpm = (file: string): unknown =>
    load(
      `npm:${file}`,
      () => readFileSync(join(npm.dir, file), 'utf8'),
      (specifier) => {
        if (!specifier.startsWith('.')) throw new Error(`miniprogram_npm/${npm.name}/${file} requires "${specifier}": not in miniprogram_npm`);
        return fromNpm(normalize(join(dirname(file), specifier)));
      },
    );
  const fromProject = (file: string): unknown => {
    const code = compiled.get(file);
    if (code === undefined) throw new Error(`${file} is not in the project (${root})`);
    return load(
      file,
      () => code,
      (specifier) => {
        if (specifier === npm.name) return fromNpm('index.js');
        if (!specifier.startsWith('.')) throw new Error(`${file} requires "${specifier}": neither in the project nor in miniprogram_npm`);
        const target = normalize(join(dirname(file), specifier));
        if (target.startsWith('..')) throw new Error(`${file} requires ${specifier}, outside the project`);
        return fromProject(target);
      },
    );
  };
  return {
    start(): void {
      fromProject('app.js');
      for (const page of json<{ pages: string[] }>(join(root, 'app.json')).pages) {
        loadingPage = page;
        fromProject(`${page}.js`);
      }
    },
    /** A page's instance, as the framework makes it: its options, `data` and `setData`. */
    page(path: string): PageInstance {
      const options = pages.get(path);
      if (!options) throw new Error(`${path} called no Page()`);
      const instance: PageInstance = {
        ...options,
        data: { ...(options.data as Record<string, unknown>) },
        setData(patch) {
          Object.assign(this.data, patch);
        },
      };
      return instance;
    },
  };
}

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
    const app = loadMiniProgram(APPS.platform, onThisSystem(wx));
    app.start();
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
    const app = loadMiniProgram(APPS.acme, onThisSystem(wx));
    app.start();
    const handoff = app.page('pages/handoff/handoff');
    await (handoff.onLoad as () => Promise<void>).call(handoff);
    expect(handoff.data).toMatchObject({ failed: '', linked: false });
    expect(handoff.data.linkedMerchants).toEqual(['acme']);
  });
});

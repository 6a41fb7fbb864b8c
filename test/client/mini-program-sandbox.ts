/**
 * Runs a mini-program of the example as WeChat does, for tests that drive its pages: the project's
 * TypeScript compiled file by file (as DevTools' TypeScript plugin does), the client from its `miniprogram`
 * folder (as DevTools' "Build npm" copies it), and app.js and every page of app.json run in a sandbox with
 * only a mini-program's globals (`wx`, App, Page, getApp, require, timers; no Node, no fetch, no WebSocket).
 * test/client/mini-program-runtime.test.ts also checks the projects' files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import ts from 'typescript';
import type { WxApi } from 'identity-federation-client';

const CLIENT = fileURLToPath(new URL('../../packages/client/', import.meta.url));

/** A page's instance, as the framework makes it: its options, `data` and `setData`. */
export interface PageInstance {
  data: Record<string, unknown>;
  setData(patch: Record<string, unknown>): void;
  [hook: string]: unknown;
}

export interface MiniProgram {
  /** What the app passed to App(), e.g. its globalData. */
  app(): Record<string, unknown>;
  page(path: string): PageInstance;
  /** Calls a page hook or handler as the framework does (`this` is the page). */
  call(page: PageInstance, hook: string, ...args: unknown[]): Promise<void>;
}

/** The project's TypeScript files (its own folders only: a nested project is another project). */
function sources(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || existsSync(join(path, 'project.config.json')) ? [] : sources(root, path);
    return name.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

/** Loads and starts the mini-program in `root` with this `wx`. */
export function startMiniProgram(root: string, wx: WxApi): MiniProgram {
  const compiled = new Map(
    sources(root).map((file) => [
      file.replace(/\.ts$/, '.js'),
      ts.transpileModule(readFileSync(join(root, file), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2017 } })
        .outputText,
    ]),
  );
  const manifest = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8')) as { name: string; miniprogram: string };
  const npmDir = join(CLIENT, manifest.miniprogram);
  let app: Record<string, unknown> = {};
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
    const appHook = (options: Record<string, unknown>) => void (app = options);
    const pageHook = (options: Record<string, unknown>) => void pages.set(loadingPage, options);
    wrapped(module.exports, requireFrom, module, appHook, pageHook, () => app);
    return module.exports;
  };
  const fromNpm = (file: string): unknown =>
    load(
      `npm:${file}`,
      () => readFileSync(join(npmDir, file), 'utf8'),
      (specifier) => {
        if (!specifier.startsWith('.')) throw new Error(`miniprogram_npm/${manifest.name}/${file} requires "${specifier}": not in miniprogram_npm`);
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
        if (specifier === manifest.name) return fromNpm('index.js');
        if (!specifier.startsWith('.')) throw new Error(`${file} requires "${specifier}": neither in the project nor in miniprogram_npm`);
        const target = normalize(join(dirname(file), specifier));
        if (target.startsWith('..')) throw new Error(`${file} requires ${specifier}, outside the project`);
        return fromProject(target);
      },
    );
  };
  fromProject('app.js');
  for (const page of (JSON.parse(readFileSync(join(root, 'app.json'), 'utf8')) as { pages: string[] }).pages) {
    loadingPage = page;
    fromProject(`${page}.js`);
  }
  return {
    app: () => app,
    page(path) {
      const options = pages.get(path);
      if (!options) throw new Error(`${path} called no Page()`);
      return {
        ...options,
        data: { ...(options.data as Record<string, unknown>) },
        setData(patch) {
          Object.assign(this.data, patch);
        },
      };
    },
    async call(page, hook, ...args) {
      await (page[hook] as (...args: unknown[]) => unknown).apply(page, args);
    },
  };
}

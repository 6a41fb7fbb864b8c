/**
 * Shared fixtures: the demo platform config every component reads, fresh secrets for each test run,
 * and helpers that start the embedded components on ephemeral ports.
 */
import { fileURLToPath } from 'node:url';
import { startWechatSimulator, type WechatSimulator } from '../../dev/wechat/server.js';
import { loadPlatformConfig, type PlatformConfig } from '../../platform/config/platform-config.js';
import { generateSecret, secretNames } from '../../platform/config/secret-names.js';

export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../platform/config/demo-platform.json', import.meta.url));
export const demoConfig: PlatformConfig = loadPlatformConfig(DEMO_CONFIG_PATH);

export const APPS = {
  platform: 'wx1000000000000001',
  officialAccount: 'wx2000000000000001',
  acme: 'wx3000000000000001',
  bobs: 'wx4000000000000001',
} as const;

/** A random value for every secret the config names, as an operator would set in the environment. */
export function demoSecrets(config: PlatformConfig = demoConfig): Record<string, string> {
  return Object.fromEntries(secretNames(config).map((name) => [name, generateSecret(config, name)]));
}

export async function startSimulator(secrets: Record<string, string>, config: PlatformConfig = demoConfig): Promise<WechatSimulator> {
  return startWechatSimulator({ config, secretOf: (name) => secrets[name] });
}

/** Calls the simulator's control API and returns the JSON answer. */
export async function sim<T = Record<string, string>>(simulator: WechatSimulator, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${simulator.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sim ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A fresh wx.login() code for `user` in `appId`. */
export const loginCode = async (simulator: WechatSimulator, appId: string, user: string) => (await sim(simulator, '/sim/login', { appId, user })).code!;

/** The OpenID and UnionID the simulator gives `user` in `appId`. */
export const identityOf = (simulator: WechatSimulator, appId: string, user: string) =>
  sim<{ openId: string; unionId: string | null }>(simulator, `/sim/identity?appId=${appId}&user=${user}`);

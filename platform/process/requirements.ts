/**
 * What a process needs from its environment to start, declared once per process and checked all at once
 * before it starts: a process started without several settings names every one (what it holds, how to
 * make one) in one run, instead of one per try. Production needs more than development: keys instead of
 * throwaway ones, a real platform config, no development secrets.
 */
import { loadPlatformConfig, type PlatformConfig } from '../config/platform-config.js';
import type { Environment } from '../env.js';
import { developmentSettingsProblems } from './production-guard.js';

export interface Requirement {
  variable: string;
  /** What it holds, and how to make one. */
  purpose: string;
  /** Needed in production only (development has a stand-in for it). */
  productionOnly?: boolean;
  /** Fewest characters a value must have (secrets). */
  minLength?: number;
}

/** What a process requires, and what is already known to be wrong (e.g. its platform config does not load). */
export interface StartupChecks {
  requirements: readonly Requirement[];
  problems: readonly string[];
}

/** Every problem of `env` against `checks`, a line each; variables already reported as invalid are not repeated. */
export function startupProblems(env: Environment, checks: StartupChecks, invalid: ReadonlyMap<string, string>): string[] {
  const production = env.NODE_ENV === 'production';
  const lines = [...invalid.values()];
  for (const { variable, purpose, productionOnly, minLength } of checks.requirements) {
    if (invalid.has(variable) || (productionOnly && !production)) continue;
    const value = env.secret(variable);
    if (value === undefined) lines.push(`${variable} is not set: ${purpose}`);
    else if (minLength && value.length < minLength) lines.push(`${variable} is too short (at least ${minLength} characters): ${purpose}`);
  }
  return [...lines, ...checks.problems];
}

/** The development secret minimum and the command that makes a good one. */
const SECRET = { minLength: 16, make: 'make one with: openssl rand -base64 32' };

export const MONGODB_URI: Requirement = {
  variable: 'MONGODB_URI',
  purpose: 'the MongoDB connection string (a replica set in production; npm start runs an embedded development server)',
};

/** The secret signing the identities the gateway sends to `subgraph` (both sides hold it). */
export const subgraphSecret = (config: PlatformConfig, subgraph: string): Requirement[] =>
  config.subgraphs
    .filter((s) => s.name === subgraph)
    .map((s) => ({
      variable: s.identitySecretEnv,
      purpose: `the secret signing the identities the gateway sends to the ${subgraph} subgraph (the gateway and that subgraph hold the same); ${SECRET.make}`,
      minLength: SECRET.minLength,
    }));

/** Every secret WeChat gives the platform: each app's AppSecret, and the third-party platform's. */
export const wechatSecrets = (config: PlatformConfig): Requirement[] => {
  const apps: Requirement[] = config.apps.flatMap((app) =>
    app.secretEnv ? [{ variable: app.secretEnv, purpose: `the AppSecret of ${app.appId} (${app.kind}), from the WeChat console` }] : [],
  );
  const tpp = config.thirdPartyPlatform;
  if (!tpp) return apps;
  return [
    ...apps,
    { variable: tpp.secretEnv, purpose: "the third-party platform's component AppSecret, from the WeChat Open Platform console" },
    { variable: tpp.tokenEnv, purpose: "the third-party platform's message Token, as set in the Open Platform console" },
    { variable: tpp.encodingAesKeyEnv, purpose: "the third-party platform's 43-character EncodingAESKey, as set in the Open Platform console" },
  ];
};

/**
 * The checks of a process that reads the platform config: its `requirements(config)`, and the config's
 * own problems (it does not load; in production, the demo config or development secrets).
 */
export function platformChecks(env: Environment, requirements: (config: PlatformConfig) => Requirement[], others: Requirement[] = []): StartupChecks {
  let config: PlatformConfig;
  try {
    config = loadPlatformConfig(env.PLATFORM_CONFIG);
  } catch (error) {
    return { requirements: others, problems: [`PLATFORM_CONFIG: ${(error as Error).message}`] };
  }
  return { requirements: [...others, ...requirements(config)], problems: developmentSettingsProblems(env, config) };
}

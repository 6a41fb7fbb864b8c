/** Start-up validation: a bad platform config or environment stops start-up with a message naming what to fix. */
import { describe, expect, it } from 'vitest';
import { PlatformConfigError, parsePlatformConfig } from '../../platform/config/platform-config.js';
import { DEFAULT_QUERY_LIMITS } from '../../gateway/features/query-limits.js';
import { DEFAULT_RATE_LIMITS } from '../../gateway/features/rate-limits.js';
import { GATEWAY_SETTINGS } from '../../gateway/gateway-settings.js';
import { EnvironmentError, readEnvironment, requireSecret } from '../../platform/env.js';
import { demoConfig } from '../support/fixtures.js';

const invalid = (mutate: (config: Record<string, unknown>) => void): string => {
  const copy = structuredClone(demoConfig) as unknown as Record<string, unknown>;
  mutate(copy);
  try {
    parsePlatformConfig(copy, 'test config');
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformConfigError);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('platform config validation', () => {
  it('accepts the demo config', () => {
    expect(parsePlatformConfig(structuredClone(demoConfig)).merchants.map((m) => m.id)).toEqual(['acme', 'bobs']);
  });

  it('names the field of each problem', () => {
    expect(invalid((c) => ((c.apps as { appId: string }[])[0]!.appId = 'not-an-appid'))).toContain('apps.0.appId');
    expect(invalid((c) => ((c.merchants as { subgraph: string }[])[0]!.subgraph = 'nowhere'))).toContain('merchants.0.subgraph: unknown subgraph "nowhere"');
    expect(invalid((c) => ((c.apps as { openPlatform: string }[])[2]!.openPlatform = 'op-missing'))).toContain('apps.2.openPlatform: unknown open platform');
    expect(invalid((c) => ((c.apps as { secretEnv: string }[])[0]!.secretEnv = 'lower-case'))).toContain('apps.0.secretEnv');
    expect(invalid((c) => ((c.merchants as { linking: { merchantAssertion: boolean } }[])[0]!.linking.merchantAssertion = true))).toContain(
      'merchants.0.assertionKey',
    );
    expect(invalid((c) => (c.unexpected = 1))).toContain('unexpected');
    expect(invalid((c) => (c.subgraphs as unknown[]).push({ ...(c.subgraphs as object[])[0]! }))).toContain('duplicate subgraphs entry "identity"');
  });
});

describe('environment validation', () => {
  it('applies defaults and reads secrets by name', () => {
    const env = readEnvironment({ WX_SECRET_PLATFORM_MP: 'abc' });
    expect(env.GATEWAY_PORT).toBe(4000);
    expect(env.secret('WX_SECRET_PLATFORM_MP')).toBe('abc');
    expect(env.secret('MISSING')).toBeUndefined();
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => readEnvironment({ MONGODB_URI: 'http://nope' })).toThrow(/MONGODB_URI/);
    expect(() => readEnvironment({ GATEWAY_PORT: '70000' })).toThrow(/GATEWAY_PORT/);
    expect(() => readEnvironment({ IDENTITY_DATA_KEY: 'short' })).toThrow(/IDENTITY_DATA_KEY.*32 bytes/);
    // The gateway's own variables, validated with the shared ones.
    const gateway = (source: Record<string, string>) => readEnvironment(source, GATEWAY_SETTINGS);
    expect(() => gateway({ SUBGRAPH_URLS: 'coupons' })).toThrow(/SUBGRAPH_URLS.*not name=url/);
    expect(gateway({ SUBGRAPH_URLS: 'coupons=http://c.internal/graphql?v=2' }).SUBGRAPH_URLS).toEqual({ coupons: 'http://c.internal/graphql?v=2' });
    expect(gateway({ SUBGRAPH_TIMEOUTS_MS: 'products=2000, coupons=8000' }).SUBGRAPH_TIMEOUTS_MS).toEqual({ products: 2000, coupons: 8000 });
    expect(() => gateway({ SUBGRAPH_TIMEOUTS_MS: 'products=fast' })).toThrow(/SUBGRAPH_TIMEOUTS_MS/);
    expect(() => gateway({ SUBGRAPH_TIMEOUTS_MS: 'products=5' })).toThrow(/SUBGRAPH_TIMEOUTS_MS/);
    expect(() => gateway({ QUERY_MAX_TOKENS: '0' })).toThrow(/QUERY_MAX_TOKENS/);
    expect(() => gateway({ GATEWAY_DEDUPE: 'yes' })).toThrow(/GATEWAY_DEDUPE/);
    // Unset, each default is its feature's own.
    expect(gateway({})).toMatchObject({ QUERY_MAX_TOKENS: DEFAULT_QUERY_LIMITS.maxTokens, RATE_LIMIT_LOGIN_PER_ADDRESS: DEFAULT_RATE_LIMITS.loginPerAddress });
    expect(() => readEnvironment({ MONGODB_TIMEOUT_MS: '0' })).toThrow(/MONGODB_TIMEOUT_MS/);
    expect(() => requireSecret(readEnvironment({}), 'COUPONS_SUBGRAPH_SECRET', 'the coupons signing secret')).toThrow(EnvironmentError);
    expect(() => requireSecret(readEnvironment({ X: 'short' }), 'X', 'a secret')).toThrow(/too short/);
  });
});

/** The dev loop's platform config: a foreign subgraph added or replacing one, with its merchant and app. */
import { describe, expect, it } from 'vitest';
import { withForeignSubgraph } from '../../dev/subgraph-dev/dev-config.js';
import { PlatformConfigError } from '../../platform/config/platform-config.js';
import { secretNames } from '../../platform/config/secret-names.js';
import { APPS, demoConfig } from '../support/fixtures.js';

const TEASHOP_APP = 'wx6000000000000001';

describe('withForeignSubgraph', () => {
  it('adds the subgraph with its own secret variable, and its merchant with an app bound to the platform’s Open Platform account', () => {
    const config = withForeignSubgraph(demoConfig, { name: 'teashop', url: 'http://127.0.0.1:5050/graphql', merchant: { id: 'teashop', appId: TEASHOP_APP } });
    expect(config.subgraphs).toContainEqual({ name: 'teashop', url: 'http://127.0.0.1:5050/graphql', identitySecretEnv: 'TEASHOP_SUBGRAPH_SECRET' });
    expect(config.merchants).toContainEqual(expect.objectContaining({ id: 'teashop', appId: TEASHOP_APP, subgraph: 'teashop' }));
    const platformApp = demoConfig.apps.find((a) => a.appId === APPS.platform)!;
    expect(config.apps).toContainEqual(expect.objectContaining({ appId: TEASHOP_APP, merchant: 'teashop', openPlatform: platformApp.openPlatform }));
    expect(secretNames(config)).toEqual(expect.arrayContaining(['TEASHOP_SUBGRAPH_SECRET', 'WX_SECRET_TEASHOP']));
    expect(config.subgraphs).toHaveLength(demoConfig.subgraphs.length + 1);
  });

  it('replaces a subgraph of the same name at its new URL, keeping its secret variable and merchant', () => {
    const config = withForeignSubgraph(demoConfig, { name: 'coupons', url: 'http://127.0.0.1:5050/graphql' });
    expect(config.subgraphs.find((s) => s.name === 'coupons')).toEqual({
      name: 'coupons',
      url: 'http://127.0.0.1:5050/graphql',
      identitySecretEnv: 'COUPONS_SUBGRAPH_SECRET',
    });
    expect(config.merchants).toEqual(demoConfig.merchants);
  });

  it('refuses to replace the identity subgraph, and names a bad app id', () => {
    expect(() => withForeignSubgraph(demoConfig, { name: 'identity', url: 'http://127.0.0.1:5050/graphql' })).toThrow(PlatformConfigError);
    expect(() =>
      withForeignSubgraph(demoConfig, { name: 'teashop', url: 'http://127.0.0.1:5050/graphql', merchant: { id: 'teashop', appId: 'wx-nope' } }),
    ).toThrow(/apps\.\d+\.appId: must look like a WeChat appId/);
  });
});

/** The identity service's Prometheus metrics: logins, WeChat errcodes, refreshes and reuse, links; bounded labels. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginCode, sim } from '../support/fixtures.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

let system: System;

beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.close());

const metricsText = async () => (await fetch(`${new URL(system.identity.url).origin}/metrics`)).text();

async function scrape(): Promise<(series: string) => number> {
  const text = await metricsText();
  const samples = new Map([...text.matchAll(/^(\S+) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  return (series) => samples.get(series) ?? 0;
}

const REFRESH = 'mutation($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }';

describe('identity service metrics', () => {
  it('counts logins by app and outcome, and WeChat errors by API and errcode', async () => {
    await system.login(APPS.platform, 'wes');
    await sim(system.simulator, '/sim/faults', { path: '/sns/jscode2session', errcode: 40029, times: 1 });
    await system.graphql(LOGIN, { appId: APPS.platform, code: await loginCode(system.simulator, APPS.platform, 'wes') });
    await system.graphql(LOGIN, { appId: 'wx9999999999999999', code: 'whatever' });
    const value = await scrape();
    expect(value(`identity_logins_total{app="${APPS.platform}",outcome="ok"}`)).toBe(1);
    expect(value(`identity_logins_total{app="${APPS.platform}",outcome="WECHAT_CODE_INVALID"}`)).toBe(1);
    // An app id a client made up never becomes a label value.
    expect(value('identity_logins_total{app="unregistered",outcome="APP_NOT_REGISTERED"}')).toBe(1);
    expect(value('identity_wechat_errors_total{path="/sns/jscode2session",errcode="40029"}')).toBe(1);
  });

  it('counts refreshes and refresh-token reuse', async () => {
    const { refreshToken } = await system.login(APPS.platform, 'xia');
    await system.graphql(REFRESH, { t: refreshToken });
    await system.graphql(REFRESH, { t: refreshToken });
    const value = await scrape();
    expect(value('identity_token_refreshes_total{outcome="ok"}')).toBe(1);
    expect(value('identity_token_refreshes_total{outcome="REFRESH_TOKEN_REUSED"}')).toBe(1);
  });

  it('documents every identity metric in the README', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const names = [...(await metricsText()).matchAll(/^# TYPE (identity_\S+) /gm)].map((m) => m[1]!);
    expect(names).toHaveLength(4);
    for (const name of names) expect(readme, name).toContain(`\`${name}\``);
  });

  it('counts links by route and outcome', async () => {
    const session = await system.login(APPS.platform, 'yan');
    const created = await system.graphql<{ createLinkNonce: { nonce: string } }>(
      'mutation($m: ID!) { createLinkNonce(merchantId: $m) { nonce } }',
      { m: 'bobs' },
      session.accessToken,
    );
    const nonce = created.data!.createLinkNonce.nonce;
    const withNonce = 'mutation($a: ID!, $c: String!, $n: String) { login(appId: $a, code: $c, linkNonce: $n) { accessToken } }';
    for (let i = 0; i < 2; i++) await system.graphql(withNonce, { a: APPS.bobs, c: await loginCode(system.simulator, APPS.bobs, 'yan'), n: nonce });
    const value = await scrape();
    expect(value('identity_links_total{route="HANDOFF",outcome="ok"}')).toBe(1);
    expect(value('identity_links_total{route="HANDOFF",outcome="refused"}')).toBe(1);
  });
});

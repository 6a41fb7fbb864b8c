/** Rate limits on login and refreshSession, per client address and per app, through the real gateway. */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationToRun } from '../../gateway/features/parse-document.js';
import { clientAddressOf, sessionFields } from '../../gateway/features/rate-limits.js';
import { loginCode } from '../support/fixtures.js';
import { APPS, LOGIN, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  // Clients are told apart by x-forwarded-for here, as behind a load balancer.
  system = await startSystem({ rateLimits: { loginPerAddress: 3, loginPerApp: 5, refreshPerAddress: 2 }, clientAddressHeader: 'x-forwarded-for' });
});
afterAll(() => system.close());

async function post(body: object, address: string) {
  const response = await fetch(system.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.9.9, ${address}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { data?: { login?: { refreshToken: string } } | null; errors?: { extensions: { code: string } }[] };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), code: json.errors?.[0]?.extensions.code ?? 'OK', json };
}
const login = async (appId: string, user: string, address: string) =>
  post({ query: LOGIN, variables: { appId, code: await loginCode(system.simulator, appId, user) } }, address);

describe('finding the session mutations in a document', () => {
  it('counts every login field of the operation that runs: aliases, fragments and inline fragments, not queries', () => {
    const document = parse(`
      mutation Twice { a: login(appId: "x", code: "1") { accessToken } ...F ... on Mutation { refreshSession(refreshToken: "r") { accessToken } } }
      fragment F on Mutation { b: login(appId: "y", code: "2") { accessToken } }
      mutation Other { logout }
      query Q { me { id } }`);
    const fieldsOf = (name: string) => sessionFields(document, operationToRun(document, name)).map((f) => f.alias?.value ?? f.name.value);
    expect(fieldsOf('Twice')).toEqual(['a', 'b', 'refreshSession']);
    expect(fieldsOf('Other')).toEqual([]);
    expect(fieldsOf('Q')).toEqual([]);
  });

  it('takes the client address from the last entry of the configured header, else the peer', () => {
    const request = { headers: { 'x-forwarded-for': 'forged, 10.0.0.7' }, remoteAddress: '127.0.0.1' };
    expect(clientAddressOf(request, 'x-forwarded-for')).toBe('10.0.0.7');
    expect(clientAddressOf(request)).toBe('127.0.0.1');
  });
});

describe('rate limits', () => {
  it('refuses logins past the per-address limit with 429, RATE_LIMITED and Retry-After, before WeChat is asked; other addresses go on', async () => {
    for (let i = 0; i < 3; i++) expect((await login(APPS.platform, `rl-a${i}`, '10.0.0.1')).code).toBe('OK');
    const identityCalls = system.received.identity.requests.length;
    const refused = await login(APPS.platform, 'rl-a3', '10.0.0.1');
    expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    // Refused at the gateway: the identity subgraph (and so WeChat) never saw it, so no session was created.
    expect(system.received.identity.requests.length).toBe(identityCalls);
    expect((await login(APPS.platform, 'rl-b0', '10.0.0.2')).code).toBe('OK');
  });

  it('refuses logins to one app past the per-app limit from any address, and counts aliased logins one by one', async () => {
    // 4 platform logins so far (3 from .1, 1 from .2); the per-app limit is 5.
    expect((await login(APPS.platform, 'rl-c0', '10.0.0.3')).code).toBe('OK');
    expect((await login(APPS.platform, 'rl-c1', '10.0.0.3')).code).toBe('RATE_LIMITED');
    // Another app has its own bucket.
    expect((await login(APPS.acme, 'rl-c2', '10.0.0.3')).code).toBe('OK');
    // Two aliased logins in one document are two attempts: the address .4 has 3, so 2 + 2 is refused.
    const [one, two] = await Promise.all([loginCode(system.simulator, APPS.acme, 'rl-d0'), loginCode(system.simulator, APPS.acme, 'rl-d1')]);
    const twice = `mutation($c1: String!, $c2: String!) { a: login(appId: "${APPS.acme}", code: $c1) { accessToken } b: login(appId: "${APPS.acme}", code: $c2) { accessToken } }`;
    expect((await post({ query: twice, variables: { c1: one, c2: two } }, '10.0.0.4')).code).toBe('OK');
    expect((await post({ query: twice, variables: { c1: one, c2: two } }, '10.0.0.4')).code).toBe('RATE_LIMITED');
  });

  it('refuses refreshSession past the per-address limit', async () => {
    const refresh = (token: string) =>
      post({ query: 'mutation($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }', variables: { t: token } }, '10.0.0.5');
    expect((await refresh('rt_unknown')).code).toBe('REFRESH_TOKEN_INVALID');
    expect((await refresh('rt_unknown')).code).toBe('REFRESH_TOKEN_INVALID');
    expect(await refresh('rt_unknown')).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });
});

/** The kit README's verification examples, plain node:http and Express, against real signed requests. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressSubgraph } from '../../packages/subgraph-kit/examples/express.js';
import { createNodeHttpSubgraph } from '../../packages/subgraph-kit/examples/node-http.js';
import { identityKey, signIdentity, type IdentityClaims } from '@identity-federation-gateway/subgraph-kit';

const SECRET = 'teashop-current-secret-value';
const options = { subgraph: 'teashop', secrets: [SECRET] };
const servers: Record<string, Server> = {};

beforeAll(async () => {
  const listen = (server: Server) => new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
  servers['node:http'] = await listen(createNodeHttpSubgraph(options));
  servers.express = await listen(createExpressSubgraph(options).listen(0, '127.0.0.1'));
});
afterAll(async () => {
  for (const server of Object.values(servers)) await new Promise((resolve) => server.close(resolve));
});

const claims = (): IdentityClaims => {
  const now = Math.floor(Date.now() / 1000);
  return { v: 1, sg: 'teashop', iat: now, exp: now + 30, mid: 'teashop', app: 'wx6000000000000001', oid: 'oTeashopViewer' };
};

async function post(server: Server, body: string, headers: Record<string, string>) {
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe.each(['node:http', 'express'])('the %s example', (name) => {
  const body = JSON.stringify({ query: '{ me { teaStamps } }' });

  it("hands the handler the viewer's OpenID from a valid signed identity", async () => {
    expect(await post(servers[name]!, body, signIdentity(identityKey(SECRET), claims(), body))).toEqual({
      status: 200,
      body: { data: { viewerOpenId: 'oTeashopViewer' } },
    });
  });

  it('serves an anonymous request without an OpenID', async () => {
    expect(await post(servers[name]!, body, {})).toEqual({ status: 200, body: { data: { viewerOpenId: null } } });
  });

  it('answers 401 to a body changed after signing, another secret, or an extra x-identity-* header', async () => {
    const signed = signIdentity(identityKey(SECRET), claims(), body);
    expect((await post(servers[name]!, body.replace('tea', 'tex'), signed)).status).toBe(401);
    expect((await post(servers[name]!, body, signIdentity(identityKey('some-other-secret-value'), claims(), body))).status).toBe(401);
    expect((await post(servers[name]!, body, { ...signed, 'x-identity-openid': 'oForged' })).status).toBe(401);
  });
});

/**
 * Edges the live system cannot produce on demand: a gateway that never answers (wx.request timeout), one
 * that is not there, and one that refuses every access token even after a refresh (the client must give up
 * after one refresh and one retry, not loop). Real HTTP servers on ephemeral ports stand in for them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../dev/wechat/server.js';
import {
  createClient,
  fetchTransport,
  LoginDocument,
  memoryStorage,
  RefreshSessionDocument,
  TransportError,
  wxRequestTransport,
} from 'identity-federation-client';
import { MeDocument } from '../../examples/mini-program/generated/graphql.js';
import { demoSecrets, startSimulator } from '../support/fixtures.js';
import { createPhone } from '../support/wx-shim.js';

let simulator: WechatSimulator;
beforeAll(async () => {
  simulator = await startSimulator(demoSecrets());
});
afterAll(() => simulator.close());

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve(
  handle: (body: string, authorization: string | undefined) => { status: number; body: unknown } | undefined,
): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    bodies.push(body);
    const answer = handle(body, req.headers.authorization);
    if (!answer) return; // never answers
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, bodies };
}

const request = (url: string, timeoutMs = 5000) => ({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs });

describe('transports', () => {
  it('wx.request: a gateway that does not answer in time is a TransportError of kind timeout', async () => {
    const { url } = await serve(() => undefined);
    const wx = createPhone(simulator, 'nobody').app('wx1000000000000001');
    const error = await wxRequestTransport(wx)(request(url, 200)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect([(error as TransportError).kind, (error as TransportError).message]).toEqual(['timeout', 'request:fail timeout']);
  });

  it('wx.request and fetch: an unreachable gateway is a TransportError of kind network', async () => {
    const wx = createPhone(simulator, 'nobody').app('wx1000000000000001');
    for (const transport of [wxRequestTransport(wx), fetchTransport(fetch)]) {
      await expect(transport(request('http://127.0.0.1:9/graphql'))).rejects.toMatchObject({ name: 'TransportError', kind: 'network' });
    }
  });
});

describe('refresh limits', () => {
  it('refreshes once and retries once, then returns the refusal instead of looping', async () => {
    const session = (field: string) => ({
      data: { [field]: { accessToken: 'a.b.c', expiresIn: 900, refreshToken: `rt_${'A'.repeat(43)}`, user: { id: 'u1' } } },
    });
    const hashOf = (body: string) => (JSON.parse(body) as { extensions?: { persistedQuery?: { sha256Hash?: string } } }).extensions?.persistedQuery?.sha256Hash;
    const { url, bodies } = await serve((body) => {
      if (hashOf(body) === LoginDocument.__meta__?.hash) return { status: 200, body: session('login') };
      if (hashOf(body) === RefreshSessionDocument.__meta__?.hash) return { status: 200, body: session('refreshSession') };
      return { status: 401, body: { errors: [{ message: 'expired', extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' } }] } };
    });
    const client = createClient({
      endpoint: url,
      appId: 'wx1000000000000001',
      transport: fetchTransport(fetch),
      storage: memoryStorage(),
      loginCode: async () => 'code',
    });
    const result = await client.request(MeDocument);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
    // login, the request, one refresh, one retry: nothing more.
    expect(bodies.map(hashOf)).toEqual([
      LoginDocument.__meta__?.hash,
      MeDocument.__meta__?.hash,
      RefreshSessionDocument.__meta__?.hash,
      MeDocument.__meta__?.hash,
    ]);
  });
});

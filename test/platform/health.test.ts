/** Readiness checks against real dependencies that go away: the store stopped, the JWKS unreachable, a draining server. */
import mongoose from 'mongoose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startMongoDevServer } from '../../dev/mongo/server.js';
import { jwksCheck } from '../../gateway/subgraph-probe.js';
import { databaseCheck, readiness, type ReadinessCheck } from '@identity-federation-gateway/subgraph-kit';

describe('readiness', () => {
  it('is not ready while the store does not answer, and ready again once it does', async () => {
    const server = await startMongoDevServer();
    const port = server.port;
    const connection = await mongoose.createConnection(server.uri('health'), { serverSelectionTimeoutMS: 500 }).asPromise();
    try {
      const checks = [databaseCheck('identityStore', connection)];
      expect(await readiness(checks, false)).toMatchObject({ ready: true, body: { status: 'ready', checks: { identityStore: 'ok' } } });
      await server.close();
      const down = await readiness(checks, false);
      expect(down.ready).toBe(false);
      expect(down.body.checks).toEqual({ identityStore: expect.stringMatching(/^(failed|no answer)/) });
      const again = await startMongoDevServer({ port });
      try {
        let back = await readiness(checks, false);
        for (let i = 0; i < 50 && !back.ready; i++) back = await readiness(checks, false);
        expect(back.ready).toBe(true);
      } finally {
        await again.close();
      }
    } finally {
      await connection.close();
    }
  });

  it('is not ready while the JWKS is unreachable or empty, and names neither host nor port', async () => {
    const empty = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'));
    await new Promise<void>((resolve) => empty.listen(0, '127.0.0.1', resolve));
    const emptyUrl = new URL(`http://127.0.0.1:${(empty.address() as AddressInfo).port}/.well-known/jwks.json`);
    const closed = new URL(emptyUrl);
    closed.port = '1';
    try {
      const result = await readiness([jwksCheck(emptyUrl)], false);
      expect(result.body.checks).toEqual({ jwks: 'holds no keys' });
      const unreachable = await readiness([jwksCheck(closed)], false);
      expect(unreachable.ready).toBe(false);
      expect(JSON.stringify(unreachable.body)).not.toContain('127.0.0.1');
    } finally {
      await new Promise<void>((resolve) => empty.close(() => resolve()));
    }
  });

  it('is not ready while draining, and never waits on a check that hangs', async () => {
    const hangs: ReadinessCheck = { name: 'hangs', check: () => new Promise(() => {}) };
    const ok: ReadinessCheck = { name: 'fine', check: async () => ({ ok: true }) };
    expect(await readiness([ok], true)).toMatchObject({ ready: false, body: { shuttingDown: true, checks: { fine: 'ok' } } });
    expect(await readiness([hangs, ok], false)).toMatchObject({ ready: false, body: { checks: { hangs: 'no answer within 2000 ms', fine: 'ok' } } });
  });
});

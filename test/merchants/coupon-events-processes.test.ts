/**
 * Two real coupons processes, started through the merchant entry the launcher uses, on one database:
 * claims made through both at once reach a feed in a third process every version once, in order.
 * (Subscriptions through the gateway, two of each side, are the gateway's end-to-end tests.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKey, signIdentity } from '@identity-federation-gateway/subgraph-kit';
import { CouponEventLog } from '../../subgraphs/coupons/coupon-events.js';
import { CouponFeed } from '../../subgraphs/coupons/coupon-feed.js';
import { CouponStore } from '../../subgraphs/coupons/coupon-store.js';
import { demoSecrets } from '../support/fixtures.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';
import { PROCESS_TEST_TIMEOUT_MS } from '../support/system.js';
import { captureLogs, eventually } from './coupon-test-support.js';

const ENTRY = fileURLToPath(new URL('../../subgraphs/merchant-process/run-merchant-process.ts', import.meta.url));
const SECRET = demoSecrets().COUPONS_SUBGRAPH_SECRET!;

let mongo: TestMongo;
/** The server (the processes' database is named by MONGODB_DB) and the database. */
let uri: string;
let database: string;
const children: ChildProcess[] = [];

/** Starts `run-merchant-process.ts coupons` on an ephemeral port; resolves with its GraphQL URL. */
async function startCouponsProcess(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'coupons'], {
    env: { MONGODB_URI: uri, MONGODB_DB: database, COUPONS_SUBGRAPH_SECRET: SECRET, COUPONS_PORT: '0', EXIT_WITH_LAUNCHER: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('coupons process not ready in 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`coupons process exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'coupons subgraph ready' && entry.url) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });
}

/** claimCoupon as the gateway sends it: signed claims naming the viewer's ACME OpenID. */
async function claim(url: string, couponId: string, openId: string): Promise<unknown> {
  const body = JSON.stringify({ query: 'mutation($id: ID!) { claimCoupon(couponId: $id) { claimedAt } }', variables: { id: couponId } });
  const now = Math.floor(Date.now() / 1000);
  const identity = signIdentity(
    identityKey(SECRET),
    { v: 1, sg: 'coupons', iat: now, exp: now + 30, mid: 'acme', app: 'wx3000000000000001', oid: openId, psu: `u_${openId}` },
    body,
  );
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...identity }, body });
  return response.json();
}

beforeAll(async () => {
  mongo = await startTestMongo();
  const url = new URL(mongo.uri('acme_coupons'));
  database = url.pathname.slice(1);
  url.pathname = '/';
  uri = url.toString();
});
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await mongo.close();
});

describe('coupon stock events from two coupons processes', () => {
  it(
    'reach a feed elsewhere every version once, in order, while both processes take claims at once',
    async () => {
      const [first, second] = await Promise.all([startCouponsProcess(), startCouponsProcess()]);
      const connection = await mongoose.createConnection(uri, { dbName: database }).asPromise();
      const logs = captureLogs();
      const log = new CouponEventLog(connection, logs.logger);
      const store = new CouponStore(connection, log);
      const feed = new CouponFeed(log, async (id) => (await store.couponsByIds([id])).get(id), logs.logger, { changeStreams: 'off', pollIntervalMs: 20 });
      try {
        // The processes seeded the demo coupons; welcome-10 has plenty of stock.
        const got: { version: number; remaining: number }[] = [];
        const following = (await feed.follow('welcome-10', (change) => got.push({ version: change.version, remaining: change.remaining })))!;
        const start = following.current;
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => claim(i % 2 ? first : second, 'welcome-10', `two-processes-${i}`)));
        expect(answers.every((a) => (a as { errors?: unknown }).errors === undefined)).toBe(true);

        const end = start.version! + 40;
        await eventually(() => got.at(-1)?.version === end);
        expect(got).toEqual(Array.from({ length: 40 }, (_, i) => ({ version: start.version! + i + 1, remaining: start.stock - i - 1 })));
        following.stop();
      } finally {
        await feed.close();
        await connection.close();
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

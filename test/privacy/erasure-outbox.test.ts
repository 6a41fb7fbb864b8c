/** The erasure outbox: signed, retried with backoff until 2xx, exactly one accepted delivery, nothing lost across a restart. */
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { parsePlatformConfig } from '../../platform/config/platform-config.js';
import { identityModels, type IdentityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import { ErasureOutbox } from '../../subgraphs/identity/erasure-outbox.js';
import { startErasureReceiver, type ErasureReceiver } from '../support/erasure-receiver.js';
import { demoConfig, demoSecrets } from '../support/fixtures.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';

const secrets = demoSecrets();
const logger = createLogger('test', 'silent');
let mongo: TestMongo;
let uri: string;
const connections: Connection[] = [];
let receiver: ErasureReceiver;
let platform: ReturnType<typeof indexPlatform>;

beforeAll(async () => {
  mongo = await startTestMongo();
  uri = mongo.uri('outbox');
  receiver = await startErasureReceiver(() => secrets.COUPONS_SUBGRAPH_SECRET!);
  const config = parsePlatformConfig({
    ...demoConfig,
    merchants: demoConfig.merchants.map((m) => (m.id === 'acme' ? { ...m, erasureWebhook: receiver.url } : m)),
  });
  platform = indexPlatform(config);
});
afterAll(async () => {
  for (const connection of connections) await connection.close();
  await receiver.close();
  await mongo.close();
});

/** A worker as a fresh identity-service process would build it: its own connection to the same database. */
async function worker(): Promise<{ outbox: ErasureOutbox; models: IdentityModels }> {
  const connection = await mongoose.createConnection(uri).asPromise();
  connections.push(connection);
  const models = identityModels(connection);
  const outbox = new ErasureOutbox(models, { platform, secretOf: (name) => secrets[name], logger, pollMs: 20, baseBackoffMs: 40, timeoutMs: 2000 });
  return { outbox, models };
}

const until = async (done: () => boolean | Promise<boolean>, ms = 5000) => {
  const start = Date.now();
  while (!(await done()) && Date.now() - start < ms) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('erasure outbox', () => {
  it('retries a merchant that fails twice, then gets exactly one accepted, signed delivery', async () => {
    const { outbox, models } = await worker();
    receiver.failNext = 2;
    const postsBefore = receiver.posts;
    expect(await outbox.enqueue(platform.merchant('acme')!, ['oACME_1'], ['user-1'])).toBe(true);
    outbox.start();
    await until(() => receiver.accepted.length === 1);
    await outbox.stop();
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.accepted[0]).toMatchObject({ type: 'person.erased', merchantId: 'acme', openIds: ['oACME_1'] });
    expect(receiver.posts - postsBefore).toBe(3);
    expect(receiver.badSignatures).toBe(0);
    const stored = await models.ErasureNotice.findById(receiver.accepted[0]!.eventId).lean();
    expect(stored).toMatchObject({ attempts: 3, deliveredAt: expect.any(Date) });
    // Delivered notices keep no OpenID.
    expect(stored?.body).toBeUndefined();
    expect(await outbox.pending()).toBe(0);
  });

  it('loses nothing when the process stops mid-retry: the next process delivers it, once', async () => {
    receiver.accepted.length = 0;
    const first = await worker();
    receiver.failNext = 1_000;
    await first.outbox.enqueue(platform.merchant('acme')!, ['oACME_2'], ['user-1']);
    await first.outbox.deliverDue();
    await first.outbox.stop();
    const [queued] = await first.models.ErasureNotice.find({ deliveredAt: { $exists: false } }).lean();
    expect(queued).toMatchObject({ attempts: 1, lastError: 'HTTP 503' });

    // A new process, a new connection; the merchant is back.
    receiver.failNext = 0;
    const second = await worker();
    second.outbox.start();
    await until(() => receiver.accepted.length === 1);
    await second.outbox.stop();
    expect(receiver.accepted.map((n) => n.eventId)).toEqual([queued!._id]);
    expect(await second.outbox.pending()).toBe(0);
  });

  it('sends a notice once when two workers run at once (the lease), and refuses merchants without a webhook', async () => {
    receiver.accepted.length = 0;
    receiver.failNext = 0;
    const [a, b] = [await worker(), await worker()];
    const postsBefore = receiver.posts;
    await a.outbox.enqueue(platform.merchant('acme')!, ['oACME_3'], ['user-1']);
    await Promise.all([a.outbox.deliverDue(), b.outbox.deliverDue()]);
    expect(receiver.posts - postsBefore).toBe(1);
    expect(receiver.accepted).toHaveLength(1);
    expect(await a.outbox.enqueue(platform.merchant('bobs')!, ['oBOBS'], ['user-1'])).toBe(false);
  });

  it('queues one event when an erasure runs again after a crash, delivered once, already-delivered included', async () => {
    receiver.accepted.length = 0;
    receiver.failNext = 0;
    const { outbox, models } = await worker();
    const acme = platform.merchant('acme')!;
    await outbox.enqueue(acme, ['oACME_4', 'oACME_5'], ['user-4', 'user-5']);
    // The re-run finds the same users and OpenIDs, maybe in another order...
    await outbox.enqueue(acme, ['oACME_5', 'oACME_4'], ['user-5', 'user-4']);
    await outbox.deliverDue();
    await outbox.enqueue(acme, ['oACME_4', 'oACME_5'], ['user-4', 'user-5']); // ...also after it was delivered
    await outbox.deliverDue();
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.accepted[0]!.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await models.ErasureNotice.countDocuments({ _id: receiver.accepted[0]!.eventId })).toBe(1);
    // The same person back with a new account (WeChat gives the same OpenID again), erased again: a new event.
    await outbox.enqueue(acme, ['oACME_4', 'oACME_5'], ['user-9']);
    await outbox.deliverDue();
    expect(new Set(receiver.accepted.map((n) => n.eventId)).size).toBe(2);
  });
});

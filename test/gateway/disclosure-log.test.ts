/** The disclosure log is coarse and off the request path: one write per user and merchant per hour, in batches. */
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisclosureLog } from '../../gateway/disclosure-log.js';
import { identityModels, type IdentityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';

let mongo: TestMongo;
let connection: Connection;
let models: IdentityModels;
let writes = 0;
beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongoose.createConnection(mongo.uri('disclosures'), { monitorCommands: true }).asPromise();
  connection.getClient().on('commandStarted', (event) => {
    if (event.commandName === 'update' && event.command.update === 'disclosures') writes++;
  });
  models = identityModels(connection);
  await models.User.create([{ _id: 'u1' }, { _id: 'u2' }]);
});
afterAll(async () => {
  await connection.close();
  await mongo.close();
});

describe('DisclosureLog', () => {
  it('writes nothing while noting, then one batch; a pair again within the hour is not written, after it is', async () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const log = new DisclosureLog(models, createLogger('test', 'silent'), { now: () => now });
    for (let i = 0; i < 1000; i++) log.note('u1', 'acme');
    log.note('u2', 'acme');
    expect(writes).toBe(0);
    await log.flush();
    expect(writes).toBe(1);

    now += 30 * 60_000;
    log.note('u1', 'acme');
    await log.flush();
    expect(writes).toBe(1);

    now += 31 * 60_000;
    log.note('u1', 'acme');
    await log.stop();
    expect(writes).toBe(2);
    const u1 = await models.Disclosure.findById('u1:acme').lean();
    expect(u1?.firstAt.toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(u1?.lastAt.toISOString()).toBe('2026-01-01T11:01:00.000Z');
    expect(await models.Disclosure.countDocuments()).toBe(2);
  });

  it('writes nothing for a user erased after the pair was noted', async () => {
    const log = new DisclosureLog(models, createLogger('test', 'silent'));
    log.note('erased-before-flush', 'acme');
    await log.flush();
    expect(await models.Disclosure.countDocuments({ userId: 'erased-before-flush' })).toBe(0);
  });

  it('leaves nothing of a user erased between its check and its write', async () => {
    await models.User.create({ _id: 'erased-mid-flush' });
    // The erasure (deleting the log, then the user) runs after the log saw the user and before it writes.
    const erasedMidFlush: Pick<IdentityModels, 'Disclosure' | 'User'> = {
      User: models.User,
      Disclosure: new Proxy(models.Disclosure, {
        get: (target, name, receiver) =>
          name === 'bulkWrite'
            ? async (...args: Parameters<typeof target.bulkWrite>) => {
                await models.Disclosure.deleteMany({ userId: 'erased-mid-flush' });
                await models.User.deleteOne({ _id: 'erased-mid-flush' });
                return target.bulkWrite(...args);
              }
            : Reflect.get(target, name, receiver),
      }),
    };
    const log = new DisclosureLog(erasedMidFlush, createLogger('test', 'silent'));
    log.note('erased-mid-flush', 'acme');
    await log.flush();
    expect(await models.Disclosure.countDocuments({ userId: 'erased-mid-flush' })).toBe(0);
  });
});

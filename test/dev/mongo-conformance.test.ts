/**
 * Conformance of the embedded MongoDB-compatible server, driven through the official driver and
 * mongoose exactly as the services use them. With MONGODB_URI set, the same suite runs against a
 * real MongoDB, which is how the expectations here were kept honest.
 */
import { connect as connectTcp } from 'node:net';
import { BSON, MongoClient, MongoServerError, type Db, type ServerHeartbeatSucceededEvent } from 'mongodb';
import mongoose from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestMongo, type TestMongo } from '../support/mongo.js';

let mongo: TestMongo;
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  await mongo.close();
});
beforeEach(async () => {
  await client?.close();
  client = await MongoClient.connect(mongo.uri('conformance'), { serverSelectionTimeoutMS: 3000 });
  db = client.db();
});
afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

async function expectMongoError(promise: Promise<unknown>, code: number): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MongoServerError);
  expect((error as MongoServerError).code).toBe(code);
  return error as MongoServerError;
}

describe('handshake and server commands', () => {
  it('answers hello, ping and buildInfo like a writable primary', async () => {
    const hello = await db.admin().command({ hello: 1 });
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(8);
    expect((await db.admin().ping()).ok).toBe(1);
    expect(typeof (await db.admin().buildInfo()).version).toBe('string');
  });

  it('is monitored by streaming hello, as drivers monitor a real MongoDB (a polling monitor can stall for good when its socket drops)', async () => {
    const hello = await db.admin().command({ hello: 1 });
    expect(hello.topologyVersion?.processId).toBeInstanceOf(BSON.ObjectId);
    const watcher = new MongoClient(mongo.uri('conformance'), { heartbeatFrequencyMS: 500, serverSelectionTimeoutMS: 3000 });
    const beats: ServerHeartbeatSucceededEvent[] = [];
    watcher.on('serverHeartbeatSucceeded', (event) => beats.push(event));
    try {
      await watcher.connect();
      const deadline = Date.now() + 5000;
      while (beats.filter((beat) => beat.awaited).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      // Awaited heartbeats: the monitor holds a hello open on its connection instead of writing one per heartbeat.
      expect(beats.filter((beat) => beat.awaited).length).toBeGreaterThanOrEqual(2);
    } finally {
      await watcher.close();
    }
  });

  it('holds an awaitable hello for maxAwaitTimeMS and, with exhaustAllowed, keeps answering unasked', async () => {
    const { topologyVersion } = await db.admin().command({ hello: 1 });
    const [{ host, port }] = client.options.hosts as unknown as [{ host: string; port: number }];
    const socket = connectTcp(port, host);
    const replies: { responseTo: number; requestId: number; moreToCome: boolean; reply: BSON.Document; at: number }[] = [];
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        const flags = message.readUInt32LE(16);
        replies.push({
          requestId: message.readInt32LE(4),
          responseTo: message.readInt32LE(8),
          moreToCome: (flags & 2) !== 0,
          reply: BSON.deserialize(message.subarray(21)),
          at: Date.now(),
        });
      }
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    try {
      // OP_MSG: header, flags (exhaustAllowed = bit 16), one body section.
      const body = BSON.serialize({ hello: 1, $db: 'admin', maxAwaitTimeMS: 200, topologyVersion });
      const header = Buffer.alloc(21);
      header.writeInt32LE(21 + body.length, 0);
      header.writeInt32LE(4242, 4);
      header.writeInt32LE(2013, 12);
      header.writeUInt32LE(1 << 16, 16);
      const sent = Date.now();
      socket.write(Buffer.concat([header, body]));
      const deadline = sent + 5000;
      while (replies.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(replies.length).toBeGreaterThanOrEqual(3);
      // Nothing changed, so the first answer waited; each later one answers the one before it.
      expect(replies[0]!.at - sent).toBeGreaterThanOrEqual(150);
      expect(replies[0]!.responseTo).toBe(4242);
      expect(replies[1]!.responseTo).toBe(replies[0]!.requestId);
      expect(replies[2]!.responseTo).toBe(replies[1]!.requestId);
      for (const { moreToCome, reply } of replies) {
        expect(moreToCome).toBe(true);
        expect(reply.ok).toBe(1);
        expect(String(reply.topologyVersion.processId)).toBe(String(topologyVersion.processId));
      }
    } finally {
      socket.destroy();
    }
  });

  it('answers a hello naming another run of the server at once (the driver saw it before a restart)', async () => {
    const started = Date.now();
    const hello = await db
      .admin()
      .command({ hello: 1, maxAwaitTimeMS: 5000, topologyVersion: { processId: new BSON.ObjectId(), counter: BSON.Long.fromNumber(0) } });
    expect(hello.ok).toBe(1);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('answers CommandNotFound (59) to every command it does not support', async () => {
    const error = await expectMongoError(db.command({ noSuchCommandHere: 1 }), 59);
    expect(error.codeName).toBe('CommandNotFound');
  });
});

describe('collections', () => {
  it('creates, lists and drops collections; a second create is NamespaceExists (48)', async () => {
    await db.createCollection('alpha');
    await expectMongoError(db.createCollection('alpha'), 48);
    await db.collection('beta').insertOne({ x: 1 });
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    expect(names).toEqual(['alpha', 'beta']);
    expect(await db.listCollections({ name: 'beta' }).toArray()).toHaveLength(1);
    await db.collection('alpha').drop();
    expect((await db.listCollections().toArray()).map((c) => c.name)).toEqual(['beta']);
  });

  it('drops a whole database', async () => {
    await db.collection('gamma').insertOne({ x: 1 });
    await db.dropDatabase();
    expect(await db.listCollections().toArray()).toEqual([]);
  });
});

describe('insert, find, cursors', () => {
  it('stores _id first and finds with filter, projection, sort, skip and limit', async () => {
    const c = db.collection('people');
    await c.insertMany([
      { name: 'ann', age: 31, tags: ['a'] },
      { name: 'bob', age: 25, tags: ['b'] },
      { name: 'cy', age: 40, tags: ['a', 'c'] },
      { name: 'di', age: 19 },
    ]);
    const docs = await c
      .find({ age: { $gte: 20 } }, { projection: { _id: 0, name: 1 } })
      .sort({ age: -1 })
      .skip(1)
      .limit(2)
      .toArray();
    expect(docs).toEqual([{ name: 'ann' }, { name: 'bob' }]);
    expect(Object.keys((await c.findOne({ name: 'di' }))!)[0]).toBe('_id');
    expect(await c.countDocuments({ tags: 'a' })).toBe(2);
    expect((await c.distinct('tags')).sort()).toEqual(['a', 'b', 'c']);
  });

  it('walks a cursor across many batches with getMore and kills an abandoned one', async () => {
    const c = db.collection('many');
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));
    const all = await c.find({}, { batchSize: 7 }).sort({ i: 1 }).toArray();
    expect(all.map((d) => d.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    const opened = await db.command({ find: 'many', batchSize: 5 });
    const id = opened.cursor.id;
    expect(opened.cursor.firstBatch).toHaveLength(5);
    const killed = await db.command({ killCursors: 'many', cursors: [id] });
    expect(killed.cursorsKilled).toHaveLength(1);
    await expectMongoError(db.command({ getMore: id, collection: 'many' }), 43);
  });

  it('counts with the count command and estimates', async () => {
    const c = db.collection('counted');
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await db.command({ count: 'counted', query: { k: 1 } })).n).toBe(2);
    expect(await c.estimatedDocumentCount()).toBe(3);
  });
});

describe('updates', () => {
  it('applies update operators to one or many documents and reports matched and modified', async () => {
    const c = db.collection<{ k: string; n: number; seen?: boolean; log?: string[] }>('upd');
    await c.insertMany([
      { k: 'x', n: 1 },
      { k: 'x', n: 2 },
      { k: 'y', n: 3 },
    ]);
    const one = await c.updateOne({ k: 'x' }, { $inc: { n: 10 } });
    expect([one.matchedCount, one.modifiedCount]).toEqual([1, 1]);
    const many = await c.updateMany({ k: 'x' }, { $set: { seen: true }, $push: { log: 'a' } });
    expect([many.matchedCount, many.modifiedCount]).toEqual([2, 2]);
    const noop = await c.updateOne({ k: 'y' }, { $set: { n: 3 } });
    expect([noop.matchedCount, noop.modifiedCount]).toEqual([1, 0]);
    expect((await c.find({ k: 'x' }).sort({ n: 1 }).toArray()).map((d) => d.n)).toEqual([2, 11]);
  });

  it('upserts from the query equality fields with $setOnInsert only on insert', async () => {
    const c = db.collection('ups');
    const first = await c.updateOne({ key: 'a', 'nested.v': 1 }, { $set: { s: 1 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(first.upsertedCount).toBe(1);
    await c.updateOne({ key: 'a' }, { $set: { s: 2 }, $setOnInsert: { created: false } }, { upsert: true });
    const doc = await c.findOne({ key: 'a' }, { projection: { _id: 0 } });
    expect(doc).toEqual({ key: 'a', nested: { v: 1 }, s: 2, created: true });
  });

  it('replaces documents and refuses to change _id (66)', async () => {
    const c = db.collection('rep');
    const { insertedId } = await c.insertOne({ a: 1 });
    await c.replaceOne({ _id: insertedId }, { b: 2 });
    expect(await c.findOne({ _id: insertedId }, { projection: { _id: 0 } })).toEqual({ b: 2 });
    await expectMongoError(c.updateOne({ _id: insertedId }, { $set: { _id: 'other' } }), 66);
  });

  it('supports aggregation-pipeline updates', async () => {
    const c = db.collection('pipe');
    await c.insertOne({ a: 2, b: 3 });
    await c.updateOne({}, [{ $set: { sum: { $add: ['$a', '$b'] } } }]);
    expect((await c.findOne({}))!.sum).toBe(5);
  });

  it('deletes one or many', async () => {
    const c = db.collection('del');
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await c.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await c.deleteMany({})).deletedCount).toBe(2);
  });
});

describe('findAndModify', () => {
  it('returns the document before or after, sorted, projected, and upserts', async () => {
    const c = db.collection('fam');
    await c.insertMany([
      { q: 1, n: 1 },
      { q: 1, n: 2 },
    ]);
    const before = await c.findOneAndUpdate({ q: 1 }, { $inc: { n: 100 } }, { sort: { n: -1 }, returnDocument: 'before', projection: { _id: 0, n: 1 } });
    expect(before).toEqual({ n: 2 });
    const after = await c.findOneAndUpdate({ q: 1 }, { $inc: { n: 1 } }, { sort: { n: 1 }, returnDocument: 'after', projection: { _id: 0 } });
    expect(after).toEqual({ q: 1, n: 2 });
    expect(await c.findOneAndUpdate({ q: 9 }, { $set: { n: 0 } })).toBeNull();
    const upserted = await c.findOneAndUpdate({ q: 9 }, { $setOnInsert: { n: 7 } }, { upsert: true, returnDocument: 'after', includeResultMetadata: true });
    expect(upserted.lastErrorObject?.updatedExisting).toBe(false);
    expect(upserted.value?.n).toBe(7);
    const removed = await c.findOneAndDelete({ q: 9 });
    expect(removed?.n).toBe(7);
    expect(await c.countDocuments({ q: 9 })).toBe(0);
  });
});

describe('aggregate', () => {
  it('runs match, group, sort, project and lookup stages', async () => {
    await db.collection('orders').insertMany([
      { user: 'u1', total: 5 },
      { user: 'u1', total: 7 },
      { user: 'u2', total: 1 },
    ]);
    await db.collection('users').insertMany([
      { _id: 'u1' as never, name: 'ann' },
      { _id: 'u2' as never, name: 'bob' },
    ]);
    const rows = await db
      .collection('orders')
      .aggregate([
        { $group: { _id: '$user', sum: { $sum: '$total' } } },
        { $sort: { sum: -1 } },
        { $lookup: { from: 'users', localField: '_id', foreignField: '_id', as: 'user' } },
        { $project: { _id: 0, sum: 1, name: { $first: '$user.name' } } },
      ])
      .toArray();
    expect(rows).toEqual([
      { sum: 12, name: 'ann' },
      { sum: 1, name: 'bob' },
    ]);
  });
});

describe('indexes and unique constraints', () => {
  it('creates, lists and drops indexes', async () => {
    const c = db.collection('idx');
    await c.createIndex({ a: 1, b: -1 }, { name: 'a_b' });
    await c.createIndex({ z: 1 });
    const names = (await c.listIndexes().toArray()).map((i) => i.name).sort();
    expect(names).toEqual(['_id_', 'a_b', 'z_1']);
    await c.dropIndex('a_b');
    await c.dropIndexes();
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });

  it('rejects duplicates on insert, update and upsert with DuplicateKey, keyPattern and keyValue', async () => {
    const c = db.collection('uniq');
    await c.createIndex({ appId: 1, openId: 1 }, { unique: true });
    await c.insertOne({ appId: 'a', openId: 'x' });
    await c.insertOne({ appId: 'b', openId: 'x' });
    const onInsert = await expectMongoError(c.insertOne({ appId: 'a', openId: 'x' }), 11000);
    expect(onInsert.keyPattern).toEqual({ appId: 1, openId: 1 });
    expect(onInsert.keyValue).toEqual({ appId: 'a', openId: 'x' });
    await expectMongoError(c.updateOne({ appId: 'b' }, { $set: { appId: 'a' } }), 11000);
    await expectMongoError(c.updateOne({ appId: 'c' }, { $set: { openId: 'x', appId: 'a' } }, { upsert: true }), 11000);
    await expectMongoError(c.findOneAndUpdate({ appId: 'b' }, { $set: { appId: 'a' } }), 11000);
    expect(await c.countDocuments()).toBe(2);
  });

  it('keeps going after a duplicate in an unordered insertMany and stops in an ordered one', async () => {
    const c = db.collection('batch');
    await c.createIndex({ k: 1 }, { unique: true });
    const unordered = await expectMongoError(c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }], { ordered: false }), 11000);
    expect(unordered).toBeDefined();
    expect(await c.countDocuments()).toBe(2);
    await expectMongoError(c.insertMany([{ k: 3 }, { k: 2 }, { k: 4 }]), 11000);
    expect((await c.find({}).sort({ k: 1 }).toArray()).map((d) => d.k)).toEqual([1, 2, 3]);
  });

  it('honours sparse and partial unique indexes', async () => {
    const sparse = db.collection('sparse');
    await sparse.createIndex({ unionId: 1 }, { unique: true, sparse: true });
    await sparse.insertMany([{ a: 1 }, { a: 2 }, { unionId: 'u' }]);
    await expectMongoError(sparse.insertOne({ unionId: 'u' }), 11000);

    const partial = db.collection('partial');
    await partial.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await partial.insertMany([
      { email: 'e', active: false },
      { email: 'e', active: false },
      { email: 'e', active: true },
    ]);
    await expectMongoError(partial.insertOne({ email: 'e', active: true }), 11000);
  });

  it('refuses to build a unique index over existing duplicates', async () => {
    const c = db.collection('late');
    await c.insertMany([{ k: 1 }, { k: 1 }]);
    await expectMongoError(c.createIndex({ k: 1 }, { unique: true }), 11000);
  });

  it('lets exactly one of many concurrent upserts from separate clients insert', async () => {
    const c = db.collection('race');
    await c.createIndex({ key: 1 }, { unique: true });
    const clients = await Promise.all(Array.from({ length: 4 }, () => MongoClient.connect(mongo.uri('unused'), { serverSelectionTimeoutMS: 3000 })));
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          clients[i % clients.length]!.db(db.databaseName)
            .collection('race')
            .updateOne({ key: 'same' }, { $inc: { hits: 1 } }, { upsert: true }),
        ),
      );
      // Real MongoDB may answer a racing upsert with a duplicate-key error; none may be lost otherwise.
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      expect(await c.countDocuments()).toBe(1);
      expect((await c.findOne({ key: 'same' }))!.hits).toBe(ok);
    } finally {
      await Promise.all(clients.map((cl) => cl.close()));
    }
  });
});

describe('through mongoose', () => {
  it('builds schema indexes, enforces unique ones and runs queries and atomic updates', async () => {
    const conn = await mongoose.createConnection(mongo.uri('mongoose')).asPromise();
    try {
      const Item = conn.model(
        'Item',
        new mongoose.Schema({ sku: { type: String, required: true, unique: true }, stock: { type: Number, min: 0 } }, { timestamps: true }),
      );
      await Item.init();
      await Item.create({ sku: 'a', stock: 2 });
      const dup = await Item.create({ sku: 'a', stock: 1 }).catch((e: { code?: number }) => e);
      expect((dup as { code?: number }).code).toBe(11000);
      const dec = await Promise.all(
        Array.from({ length: 5 }, () => Item.findOneAndUpdate({ sku: 'a', stock: { $gt: 0 } }, { $inc: { stock: -1 } }, { returnDocument: 'after' }).lean()),
      );
      expect(dec.filter(Boolean)).toHaveLength(2);
      expect((await Item.findOne({ sku: 'a' }).lean())!.stock).toBe(0);
      expect(await Item.countDocuments()).toBe(1);
      expect(Object.keys(await Item.syncIndexes())).toBeDefined();
      await conn.dropDatabase();
    } finally {
      await conn.close();
    }
  });
});

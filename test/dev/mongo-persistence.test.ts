/** The embedded server's optional persistence (`--data-dir`): restarts keep data; torn writes never load. */
import { MongoClient } from 'mongodb';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMongoDevServer } from '../../dev/mongo/server.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function withServer<T>(dataDir: string, run: (client: MongoClient) => Promise<T>): Promise<T> {
  const server = await startMongoDevServer({ dataDir });
  const client = await MongoClient.connect(server.uri('app'), { serverSelectionTimeoutMS: 3000 });
  try {
    return await run(client);
  } finally {
    await client.close();
    await server.close();
  }
}

describe('dev mongo persistence', () => {
  it('keeps documents and unique indexes across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devmongo-'));
    dirs.push(dir);
    await withServer(dir, async (client) => {
      const c = client.db().collection('users');
      await c.createIndex({ openId: 1 }, { unique: true });
      await c.insertMany([{ openId: 'a', at: new Date(5) }, { openId: 'b' }]);
    });
    await withServer(dir, async (client) => {
      const c = client.db().collection('users');
      expect(await c.findOne({ openId: 'a' }, { projection: { _id: 0 } })).toEqual({ openId: 'a', at: new Date(5) });
      await expect(c.insertOne({ openId: 'b' })).rejects.toMatchObject({ code: 11000 });
    });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ignores a half-written temporary file left by a crash and loads the last complete snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devmongo-'));
    dirs.push(dir);
    await withServer(dir, (client) => client.db().collection('k').insertOne({ v: 1 }));
    await writeFile(join(dir, 'snapshot.ejson.999.tmp'), '{"version":1,"databases":{"app":{"k":{"docu');
    await withServer(dir, async (client) => {
      expect(await client.db().collection('k').countDocuments()).toBe(1);
    });
  });
});

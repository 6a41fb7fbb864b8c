/**
 * The gateway's identity cache is kept fresh by the change feed, not by short lifetimes: an entry lives
 * while the feed is read, leaves as soon as the feed names its user, and expires by age only when the
 * feed cannot be read.
 */
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CachingIdentityDirectory } from '../../gateway/identity-cache.js';
import type { IdentityDirectory, MerchantIdentities } from '../../gateway/identity-directory.js';
import { identityModels, recordIdentityChange, type IdentityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';

let mongo: TestMongo;
let connection: Connection;
let models: IdentityModels;
beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongoose.createConnection(mongo.uri('identity_cache')).asPromise();
  models = identityModels(connection);
});
afterAll(async () => {
  await connection.close();
  await mongo.close();
});

/** A directory that counts its lookups (each is one store query in production). */
class CountingDirectory implements IdentityDirectory {
  lookups = 0;
  async merchantIdentities(userIds: readonly string[]): Promise<Map<string, MerchantIdentities>> {
    this.lookups++;
    return new Map(userIds.map((id) => [id, new Map([['acme', { appId: 'wx-acme', openId: `o-${id}-${this.lookups}` }]])]));
  }
}

const MAX_AGE_MS = 60_000;
let now: number;
let feedBroken: boolean;
let inner: CountingDirectory;
let cache: CachingIdentityDirectory;

beforeEach(async () => {
  now = Date.parse('2026-12-01T10:00:00Z');
  feedBroken = false;
  inner = new CountingDirectory();
  // The feed's model, failing its reads while `feedBroken` (as when the store is unreachable).
  const unreachable = {
    sort: () => unreachable,
    limit: () => unreachable,
    lean: () => unreachable,
    exec: () => Promise.reject(new Error('store unreachable')),
  };
  const feed = new Proxy(models.IdentityChange, {
    get: (target, name, receiver) => (name === 'find' && feedBroken ? () => unreachable : Reflect.get(target, name, receiver)),
  });
  // Polls only when the test says so (refreshNow); the timer's interval is never reached.
  cache = new CachingIdentityDirectory(inner, { IdentityChange: feed }, createLogger('test', 'silent'), {
    pollMs: 3_600_000,
    maxAgeMs: MAX_AGE_MS,
    now: () => now,
  });
  await cache.start();
});

const openIdOf = async (userId: string) => (await cache.merchantIdentities([userId])).get(userId)?.get('acme')?.openId;

describe('CachingIdentityDirectory', () => {
  it('keeps an entry far past maxAgeMs while the change feed is read', async () => {
    expect(await openIdOf('u1')).toBe('o-u1-1');
    for (let minute = 0; minute < 10; minute++) {
      now += 60_000;
      await cache.refreshNow();
      expect(await openIdOf('u1')).toBe('o-u1-1');
      expect(cache.peek('u1')?.get('acme')?.openId).toBe('o-u1-1');
    }
    expect(inner.lookups).toBe(1);
    cache.stop();
  });

  it('drops an entry as soon as the feed names its user', async () => {
    expect(await openIdOf('u2')).toBe('o-u2-1');
    await recordIdentityChange(models, ['u2']);
    await cache.refreshNow();
    expect(cache.peek('u2')).toBeUndefined();
    expect(await openIdOf('u2')).toBe('o-u2-2');
    cache.stop();
  });

  it('expires entries maxAgeMs after the last good poll when the feed cannot be read', async () => {
    expect(await openIdOf('u3')).toBe('o-u3-1');
    now += 50_000;
    await cache.refreshNow();
    feedBroken = true;
    // 50 s after loading and 20 s after the last good poll: still trusted.
    now += 20_000;
    await cache.refreshNow();
    expect(await openIdOf('u3')).toBe('o-u3-1');
    // 60 s after the last good poll: no longer.
    now += 40_000;
    await cache.refreshNow();
    expect(cache.peek('u3')).toBeUndefined();
    expect(await openIdOf('u3')).toBe('o-u3-2');
    // Loaded while the feed is down, the new entry lasts maxAgeMs from its loading.
    now += MAX_AGE_MS - 1;
    expect(cache.peek('u3')?.get('acme')?.openId).toBe('o-u3-2');
    now += 1;
    expect(cache.peek('u3')).toBeUndefined();
    cache.stop();
  });
});

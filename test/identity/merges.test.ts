/**
 * Merges without transactions: interrupted after every step, then resumed, a merge always reaches the
 * same end state, and no identity is lost or duplicated. Conflicting identities refuse the merge.
 */
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERGE_STEPS, identityModels, type IdentityModels, type MergeStep } from '../../platform/identity-store/models.js';
import { AuditLog } from '../../subgraphs/identity/audit-log.js';
import { MergeService } from '../../subgraphs/identity/merges.js';
import { APPS } from '../support/fixtures.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';

let mongo: TestMongo;
const connections: Connection[] = [];
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  for (const c of connections) {
    await c.dropDatabase();
    await c.close();
  }
  await mongo.close();
});

async function freshStore(): Promise<IdentityModels> {
  const connection = await mongoose.createConnection(mongo.uri('merges')).asPromise();
  connections.push(connection);
  const models = identityModels(connection);
  await Promise.all(Object.values(models).map((m) => m.createIndexes()));
  return models;
}

/** Older user A (platform + ACME), newer user B (Bob's), each with sessions; B also holds a UnionID claim and a consent. */
async function seed(models: IdentityModels, bBobsOpenId = 'oB_BOBS') {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  await models.User.create([
    { _id: 'A', createdAt: t(1) },
    { _id: 'B', createdAt: t(2) },
  ]);
  const identity = (userId: string, appId: string, openId: string, merchantId: string | null) => ({
    userId,
    appId,
    openId,
    merchantId,
    via: 'LOGIN' as const,
    linkedAt: t(3),
    lastLoginAt: t(3),
  });
  await models.Identity.create([
    identity('A', APPS.platform, 'oA_PLATFORM', null),
    identity('A', APPS.acme, 'oA_ACME', 'acme'),
    identity('B', APPS.bobs, bBobsOpenId, 'bobs'),
  ]);
  await models.UnionLink.create({ _id: 'op-bobs:uB', userId: 'B' });
  await models.Consent.create({ userId: 'B', purpose: 'OFFICIAL_ACCOUNT_BRIDGE', grantedAt: t(4) });
  const far = new Date(Date.now() + 86_400_000);
  await models.RefreshToken.create([
    { _id: 'hA', familyId: 'fA', userId: 'A', appId: APPS.platform, expiresAt: far },
    { _id: 'hB', familyId: 'fB', userId: 'B', appId: APPS.bobs, expiresAt: far },
  ]);
}

async function endState(models: IdentityModels) {
  const identities = await models.Identity.find({}, { _id: 0, userId: 1, appId: 1, openId: 1, mergedFrom: 1 }).sort({ openId: 1 }).lean();
  return {
    identities,
    users: await models.User.find({}, { _id: 1, mergedInto: 1 }).sort({ _id: 1 }).lean(),
    unionLinks: await models.UnionLink.find({}, { userId: 1 }).lean(),
    consents: (await models.Consent.find({}).lean()).map((c) => c.userId),
    liveTokens: (await models.RefreshToken.find({ revokedAt: { $exists: false } }).lean()).map((r) => r._id),
    merges: await models.Merge.find({}, { _id: 1, target: 1, step: 1, outcome: 1 }).lean(),
    audit: (await models.AuditEvent.find({}).lean()).map((e) => `${e.action}:${e.userId}<-${e.otherUserId}`),
  };
}

const EXPECTED = {
  identities: [
    { userId: 'A', appId: APPS.acme, openId: 'oA_ACME' },
    { userId: 'A', appId: APPS.platform, openId: 'oA_PLATFORM' },
    { userId: 'A', appId: APPS.bobs, openId: 'oB_BOBS', mergedFrom: ['B'] },
  ],
  users: [{ _id: 'A' }, { _id: 'B', mergedInto: 'A' }],
  unionLinks: [{ _id: 'op-bobs:uB', userId: 'A' }],
  consents: ['A'],
  liveTokens: ['hA'],
  merges: [{ _id: 'B', target: 'A', step: 'done', outcome: 'MERGED' }],
  audit: ['MERGE:A<-B'],
};

class SimulatedCrash extends Error {}

describe('merges', () => {
  it('merge the newer user into the older and reach the expected end state', async () => {
    const models = await freshStore();
    await seed(models);
    const result = await new MergeService(models, new AuditLog(models)).merge('A', 'B', 'OA_BRIDGE');
    expect(result).toEqual({ outcome: 'MERGED', survivor: 'A' });
    expect(await endState(models)).toEqual(EXPECTED);
  });

  it.each(MERGE_STEPS.filter((s) => s !== 'recorded'))('resume to the same end state after a crash right after step "%s"', async (crashAt: MergeStep) => {
    const models = await freshStore();
    await seed(models);
    const crashing = new MergeService(models, new AuditLog(models), undefined, (step) => {
      if (step === crashAt) throw new SimulatedCrash(step);
    });
    await expect(crashing.merge('B', 'A', 'HANDOFF')).rejects.toBeInstanceOf(SimulatedCrash);
    // Mid-merge no identity is lost or doubled, whatever the step.
    expect(await models.Identity.countDocuments()).toBe(3);
    const restarted = new MergeService(models, new AuditLog(models));
    await restarted.resumePending();
    // Asking again (as a retried request would) changes nothing.
    expect(await restarted.merge('A', 'B', 'HANDOFF')).toEqual({ outcome: 'MERGED', survivor: 'A' });
    expect(await endState(models)).toEqual(EXPECTED);
  });

  it('refuse, and move nothing, when both users hold different identities for the same app', async () => {
    const models = await freshStore();
    await seed(models);
    await models.Identity.create({
      userId: 'A',
      appId: APPS.bobs,
      openId: 'oA_OTHER_BOBS',
      merchantId: 'bobs',
      via: 'LOGIN',
      linkedAt: new Date(),
      lastLoginAt: new Date(),
    });
    const before = await models.Identity.find({}).sort({ openId: 1 }).lean();
    const result = await new MergeService(models, new AuditLog(models)).merge('A', 'B', 'OA_BRIDGE');
    expect(result.outcome).toBe('REFUSED');
    expect(await models.Identity.find({}).sort({ openId: 1 }).lean()).toEqual(before);
    expect((await models.User.findById('B').lean())?.mergedInto).toBeUndefined();
    expect((await models.AuditEvent.find({}).lean()).map((e) => e.action)).toEqual(['MERGE_REFUSED']);
  });

  it('follow merge chains: a user merged twice still resolves to the final survivor', async () => {
    const models = await freshStore();
    await seed(models);
    await models.User.create({ _id: '0', createdAt: new Date(Date.UTC(2025, 0, 1)) });
    const merges = new MergeService(models, new AuditLog(models));
    await merges.merge('A', 'B', 'OA_BRIDGE');
    await merges.merge('A', '0', 'HANDOFF');
    expect(await merges.root('B')).toBe('0');
    expect(await merges.root('A')).toBe('0');
    const bobs = await models.Identity.findOne({ appId: APPS.bobs }).lean();
    expect(bobs?.userId).toBe('0');
    expect(bobs?.mergedFrom?.sort()).toEqual(['A', 'B']);
  });
});

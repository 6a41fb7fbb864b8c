/**
 * A merchant app bound to the platform's Open Platform account after people already used it: at each
 * identity's next login WeChat sends a UnionID, and when another user already holds it the two users
 * are merged (`via: UNIONID`), crash-safe and audited, or refused on conflicting identities. The
 * identity service is restarted with the new platform config against the same database.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformConfig } from '../../platform/config/platform-config.js';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { identityModels } from '../../platform/identity-store/models.js';
import { createLogger } from '../../platform/logger.js';
import { startIdentityService, type IdentityService } from '../../subgraphs/identity/identity-service.js';
import type { AfterStep } from '../../subgraphs/identity/merges.js';
import { APPS, demoConfig, demoSecrets, identityOf, loginCode, startSimulator } from '../support/fixtures.js';
import { startTestMongo, type TestMongo } from '../support/mongo.js';
import { LOGIN } from '../support/system.js';
import type { WechatSimulator } from '../../dev/wechat/server.js';

/** Before: ACME's app is bound to no Open Platform account, so its logins carry no UnionID. */
const unbound: PlatformConfig = { ...demoConfig, apps: demoConfig.apps.map((app) => (app.appId === APPS.acme ? { ...app, openPlatform: undefined } : app)) };
/** After: the demo config, where ACME's app is bound to the platform's account. */
const bound = demoConfig;

const secrets = demoSecrets();
const dataKey = randomBytes(32);
let mongo: TestMongo;
let connection: Connection;
let running: { identity: IdentityService; simulator: WechatSimulator } | undefined;

async function startIdentity(config: PlatformConfig, afterMergeStep?: AfterStep) {
  await stopIdentity();
  const simulator = await startSimulator(secrets, config);
  const identity = await startIdentityService({
    platform: indexPlatform(config),
    connection,
    wechat: { baseUrl: simulator.url, backoffMs: 5, timeoutMs: 2000 },
    oauthAuthorizeBase: simulator.url,
    secretOf: (name) => secrets[name],
    identitySecret: secrets.IDENTITY_SUBGRAPH_SECRET!,
    dataKey,
    logger: createLogger('identity', 'silent'),
    afterMergeStep,
  });
  running = { identity, simulator };
}

async function stopIdentity() {
  await running?.identity.close();
  await running?.simulator.close();
  running = undefined;
}

async function login(appId: string, person: string): Promise<string> {
  const code = await loginCode(running!.simulator, appId, person);
  const response = await fetch(running!.identity.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: LOGIN, variables: { appId, code } }),
  });
  const result = (await response.json()) as { data?: { login: { user: { id: string } } }; errors?: unknown };
  if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return result.data.login.user.id;
}

const models = () => identityModels(connection);
const identityDoc = async (appId: string, person: string) =>
  models()
    .Identity.findOne({ appId, openId: (await identityOf(running!.simulator, appId, person)).openId })
    .lean()
    .exec();

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongoose.createConnection(mongo.uri('identity')).asPromise();
});
afterAll(async () => {
  await stopIdentity();
  await connection.dropDatabase();
  await connection.close();
  await mongo.close();
});

describe('an app bound to the platform Open Platform account later', () => {
  it('merges the two users of one person at the next login after the config change, via UNIONID, audited', async () => {
    await startIdentity(unbound);
    const platformUser = await login(APPS.platform, 'dana');
    const acmeUser = await login(APPS.acme, 'dana');
    expect(acmeUser).not.toBe(platformUser);
    expect((await identityDoc(APPS.acme, 'dana'))?.unionId).toBeUndefined();

    await startIdentity(bound);
    expect(await login(APPS.acme, 'dana')).toBe(platformUser);
    const acme = await identityDoc(APPS.acme, 'dana');
    expect(acme).toMatchObject({ userId: platformUser, via: 'UNIONID', unionId: (await identityOf(running!.simulator, APPS.acme, 'dana')).unionId });
    expect(await models().Identity.countDocuments({ userId: platformUser })).toBe(2);
    expect((await models().User.findById(acmeUser).lean().exec())?.mergedInto).toBe(platformUser);
    expect(await models().Merge.findById(acmeUser).lean().exec()).toMatchObject({ target: platformUser, route: 'UNIONID', step: 'done' });
    expect(await models().AuditEvent.countDocuments({ action: 'LINK', route: 'UNIONID', userId: platformUser, otherUserId: acmeUser })).toBe(1);
    // The platform app's next login lands on the same user.
    expect(await login(APPS.platform, 'dana')).toBe(platformUser);
  });

  it('refuses, audits and leaves apart two users holding different identities for one app; the login still succeeds', async () => {
    await startIdentity(unbound);
    const platformUser = await login(APPS.platform, 'erin');
    const acmeUser = await login(APPS.acme, 'erin');
    // The ACME user already holds another person's platform identity (linked earlier by some route).
    const at = new Date();
    await models().Identity.create({
      appId: APPS.platform,
      openId: 'o-someone-else-on-the-platform-app',
      userId: acmeUser,
      via: 'HANDOFF',
      merchantId: null,
      lastLoginAt: at,
      linkedAt: at,
    });

    await startIdentity(bound);
    expect(await login(APPS.acme, 'erin')).toBe(acmeUser);
    expect((await identityDoc(APPS.acme, 'erin'))?.userId).toBe(acmeUser);
    expect((await models().User.findById(acmeUser).lean().exec())?.mergedInto).toBeUndefined();
    expect(await models().AuditEvent.countDocuments({ action: 'LINK_REFUSED', route: 'UNIONID', userId: platformUser, otherUserId: acmeUser })).toBe(1);
  });

  it('finishes a merge that crashed half way at the next start, and the next login lands on the survivor', async () => {
    await startIdentity(unbound);
    const platformUser = await login(APPS.platform, 'fay');
    const acmeUser = await login(APPS.acme, 'fay');

    await startIdentity(bound, (step) => {
      if (step === 'identities-moved') throw new Error('simulated crash');
    });
    await expect(login(APPS.acme, 'fay')).rejects.toThrow(/login failed/);
    expect((await models().Merge.findById(acmeUser).lean().exec())?.step).toBe('identities-moved');

    await startIdentity(bound);
    expect(await models().Merge.findById(acmeUser).lean().exec()).toMatchObject({ step: 'done', route: 'UNIONID' });
    expect((await identityDoc(APPS.acme, 'fay'))?.userId).toBe(platformUser);
    expect(await login(APPS.acme, 'fay')).toBe(platformUser);
  });
});

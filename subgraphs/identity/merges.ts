/**
 * Merging two users found to be one person: the newer is merged into the older. There are no
 * multi-document transactions (standalone MongoDB and the dev server have none), so a merge record
 * drives a fixed sequence of idempotent steps; resuming from the record after a crash at any point
 * reaches the same end state, and no identity is lost or duplicated. Identities move by update, never
 * by delete and re-insert.
 */
import { recordIdentityChange } from '../../platform/identity-store/models.js';
import {
  MERGE_STEPS,
  type IdentityDoc,
  type IdentityModels,
  type LinkRoute,
  type MergeDoc,
  type MergeStep,
  type UserDoc,
} from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';
import { liveFamilies, revokeFamilies } from './identity-store.js';

/** How often half-done merges are looked for, and how long one must sit untouched to be resumed. */
export interface MergeResumeOptions {
  /** @default 10000 */
  pollMs?: number;
  /** @default 30000 */
  idleMs?: number;
}

export type MergeOutcome = { outcome: 'MERGED'; survivor: string } | { outcome: 'REFUSED'; survivor: string; reason: string };

/** Test hook: called after each step is persisted (a throw here simulates a crash at that point). */
export type AfterStep = (step: MergeStep, merge: MergeDoc) => void | Promise<void>;

export class MergeService {
  constructor(
    private readonly models: IdentityModels,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
    private readonly afterStep: AfterStep = () => {},
  ) {}

  /** The user a user id stands for now (merged users point at their survivor). */
  async root(userId: string): Promise<string> {
    const user = await this.models.User.findById(userId, { mergedInto: 1 }).lean<UserDoc>().exec();
    return user?.mergedInto ?? userId;
  }

  /** Merges the newer of two users into the older, or refuses when they hold different identities for one app. */
  async merge(a: string, b: string, route: LinkRoute, requestId?: string): Promise<MergeOutcome> {
    const [rootA, rootB] = [await this.root(a), await this.root(b)];
    if (rootA === rootB) return { outcome: 'MERGED', survivor: rootA };
    const users = await this.models.User.find({ _id: { $in: [rootA, rootB] } })
      .lean<UserDoc[]>()
      .exec();
    const created = (id: string) => users.find((u) => u._id === id)?.createdAt?.getTime() ?? Number.MAX_SAFE_INTEGER;
    const [target, source] = created(rootA) < created(rootB) || (created(rootA) === created(rootB) && rootA < rootB) ? [rootA, rootB] : [rootB, rootA];
    const record = await this.models.Merge.findOneAndUpdate(
      { _id: source },
      { $setOnInsert: { target, route, step: 'recorded' as MergeStep } },
      { upsert: true, returnDocument: 'after' },
    )
      .lean<MergeDoc>()
      .exec();
    if (record!.step === 'done' && record!.outcome === 'REFUSED' && record!.target === target) {
      return { outcome: 'REFUSED', survivor: target, reason: record!.reason ?? 'refused' };
    }
    if (record!.target !== target) {
      // This source has a merge to another target: finish it first. A refused one is cleared so this attempt can be judged.
      if (record!.step !== 'done') await this.run(record!, requestId);
      await this.models.Merge.deleteOne({ _id: source, step: 'done', outcome: 'REFUSED' }).exec();
      return this.merge(a, b, route, requestId);
    }
    return this.run(record!, requestId);
  }

  /**
   * Finishes every merge left half done: by a crash, or by a link whose request failed mid-way (the store
   * went away). With `idleMs`, only merges untouched that long, so merges still running are left to their request.
   */
  async resumePending(idleMs = 0): Promise<number> {
    const pending = await this.models.Merge.find({ step: { $ne: 'done' }, updatedAt: { $lte: new Date(this.now().getTime() - idleMs) } })
      .lean<MergeDoc[]>()
      .exec();
    for (const merge of pending) await this.run(merge);
    return pending.length;
  }

  /**
   * Resumes idle half-done merges every `pollMs`, so a link interrupted by a store outage completes once the
   * store is back, whether or not its client retries. Returns a function that stops the loop and waits for it.
   */
  resumeIdle(options: MergeResumeOptions, onResumed: (count: number) => void, onFailure: (error: unknown) => void): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const tick = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        running = this.resumePending(options.idleMs ?? 30_000)
          .then((count) => void (count > 0 && onResumed(count)), onFailure)
          .finally(tick);
      }, options.pollMs ?? 10_000);
      timer.unref();
    };
    tick();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }

  private async run(record: MergeDoc, requestId?: string): Promise<MergeOutcome> {
    const source = record._id;
    const { target } = record;
    let step = record.step;
    const advance = async (next: MergeStep, extra: Partial<MergeDoc> = {}) => {
      await this.models.Merge.updateOne({ _id: source, step }, { $set: { step: next, ...extra } }).exec();
      step = next;
      await this.afterStep(next, { ...record, ...extra, step: next });
    };
    while (step !== 'done') {
      switch (step) {
        case 'recorded': {
          const conflict = await this.conflict(source, target);
          if (conflict) {
            await this.audit.record({
              action: 'MERGE_REFUSED',
              route: record.route,
              userId: target,
              otherUserId: source,
              reason: conflict,
              requestId,
              key: `merge:${source}:${target}`,
            });
            await advance('done', { outcome: 'REFUSED', reason: conflict });
            return { outcome: 'REFUSED', survivor: target, reason: conflict };
          }
          await advance('checked');
          break;
        }
        case 'checked':
          await this.models.User.updateOne({ _id: source }, { $set: { mergedInto: target } }).exec();
          await this.models.User.updateMany({ mergedInto: source }, { $set: { mergedInto: target } }).exec();
          await advance('user-marked');
          break;
        case 'user-marked':
          await this.models.Identity.updateMany({ userId: source }, { $set: { userId: target }, $addToSet: { mergedFrom: source } }).exec();
          await recordIdentityChange(this.models, [source, target]);
          await advance('identities-moved');
          break;
        case 'identities-moved':
          await this.models.UnionLink.updateMany({ userId: source }, { $set: { userId: target } }).exec();
          await advance('links-moved');
          break;
        case 'links-moved':
          await this.models.Consent.updateMany({ userId: source }, { $set: { userId: target } }).exec();
          await advance('consents-moved');
          break;
        case 'consents-moved':
          // The merged-away user's sessions end: gateways refuse their access tokens (and close their
          // sockets) at once, and the next login lands on the survivor. Repeating after a crash is harmless.
          await revokeFamilies(this.models, await liveFamilies(this.models, { userId: source }), this.now());
          await advance('tokens-revoked');
          break;
        case 'tokens-revoked':
          await this.audit.record({ action: 'MERGE', route: record.route, userId: target, otherUserId: source, requestId, key: `merge:${source}:${target}` });
          await advance('done', { outcome: 'MERGED' });
          break;
      }
    }
    const final = await this.models.Merge.findById(source).lean<MergeDoc>().exec();
    return final?.outcome === 'REFUSED' ? { outcome: 'REFUSED', survivor: target, reason: final.reason ?? 'refused' } : { outcome: 'MERGED', survivor: target };
  }

  /** Why the two users cannot be one person, or undefined: both hold an identity for one app with different OpenIDs. */
  private async conflict(source: string, target: string): Promise<string | undefined> {
    const identities = await this.models.Identity.find({ userId: { $in: [source, target] } }, { appId: 1, openId: 1, userId: 1 })
      .lean<IdentityDoc[]>()
      .exec();
    const byApp = new Map<string, IdentityDoc>();
    for (const identity of identities) {
      const other = byApp.get(identity.appId);
      if (other && other.userId !== identity.userId && other.openId !== identity.openId)
        return `both users hold a different identity for app ${identity.appId}`;
      byApp.set(identity.appId, identity);
    }
    return undefined;
  }
}

export { MERGE_STEPS };

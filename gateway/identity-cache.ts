/**
 * A cross-request cache in front of the identity directory. Correctness comes from invalidation, not
 * from short lifetimes: the identity service appends every change of a user's identities to
 * `identity_changes`; each gateway polls that feed and drops the users it names. Changes made through
 * this gateway are applied before the mutation's answer reaches the client (`refreshNow`); other
 * gateways see them within one poll interval. So an entry is as fresh as the last poll that read the
 * feed, and is kept while polls succeed; `maxAgeMs` bounds the damage only when the feed stops: then an
 * entry lasts `maxAgeMs` from its loading or from the last good poll, whichever is later.
 */
import type { Types } from 'mongoose';
import type { IdentityChangeDoc, IdentityModels } from '../platform/identity-store/models.js';
import type { Logger } from '../platform/logger.js';
import { DEFAULT_FEED_POLL_MS, FeedPoller } from './feed-poller.js';
import type { IdentityDirectory, MerchantIdentities } from './identity-directory.js';

/** Changes read per poll at most. */
const FEED_PAGE = 10_000;

export interface IdentityCacheOptions {
  /** How often to read the change feed: the staleness bound for changes made through other gateways. @default 250 */
  pollMs?: number;
  /** How long an entry is trusted without a good poll of the change feed (the feed unreadable). @default 60000 */
  maxAgeMs?: number;
  /** @default 100000 */
  maxEntries?: number;
  now?: () => number;
}

export interface IdentityCacheStats {
  hits: number;
  misses: number;
  storeQueries: number;
  invalidations: number;
}

export class CachingIdentityDirectory implements IdentityDirectory {
  private readonly entries = new Map<string, { identities: MerchantIdentities; at: number }>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private lastSeen: Types.ObjectId | undefined;
  /** When the last poll that read the feed started: every change before it has been applied. */
  private lastGoodPollAt = -Infinity;
  private readonly poller: FeedPoller;
  private readonly now: () => number;
  private readonly listeners = new Set<(userIds: readonly string[]) => void>();
  readonly stats: IdentityCacheStats = { hits: 0, misses: 0, storeQueries: 0, invalidations: 0 };

  constructor(
    private readonly inner: IdentityDirectory,
    private readonly models: Pick<IdentityModels, 'IdentityChange'>,
    private readonly logger: Logger,
    options: IdentityCacheOptions = {},
  ) {
    this.poller = new FeedPoller(() => this.poll(), options.pollMs ?? DEFAULT_FEED_POLL_MS);
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts following the change feed from its current end. */
  async start(): Promise<void> {
    const startedAt = this.now();
    const latest = await this.models.IdentityChange.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean<IdentityChangeDoc>().exec();
    this.lastSeen = latest?._id;
    this.lastGoodPollAt = startedAt;
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  /** A fresh cached entry for `userId`, without I/O (counted as a hit), or undefined. */
  peek(userId: string): MerchantIdentities | undefined {
    const entry = this.entries.get(userId);
    if (!entry || !this.fresh(entry, this.now())) return undefined;
    this.stats.hits++;
    return entry.identities;
  }

  async merchantIdentities(userIds: readonly string[]): Promise<Map<string, MerchantIdentities>> {
    const now = this.now();
    const result = new Map<string, MerchantIdentities>();
    const missing: string[] = [];
    for (const id of userIds) {
      const entry = this.entries.get(id);
      if (entry && this.fresh(entry, now)) {
        this.stats.hits++;
        result.set(id, entry.identities);
      } else missing.push(id);
    }
    if (missing.length === 0) return result;
    this.stats.misses += missing.length;
    this.stats.storeQueries++;
    // Remember the feed position first: a change landing during the query invalidates what it returns.
    const generation = this.lastSeen;
    const loaded = await this.inner.merchantIdentities(missing);
    for (const [id, identities] of loaded) {
      result.set(id, identities);
      if (this.lastSeen === generation) this.remember(id, identities, now);
    }
    return result;
  }

  /** Calls `listener` with the users each read of the feed names, after their entries are dropped (live subscriptions re-sign). Returns the unsubscribe. */
  onChanged(listener: (userIds: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the change feed now and drops every user it names (one poll at a time). */
  refreshNow(): Promise<void> {
    return this.poller.refreshNow();
  }

  /** Whether an entry may be used: the feed was read within `maxAgeMs`, or the entry was loaded within it. */
  private fresh(entry: { at: number }, now: number): boolean {
    return now - Math.max(entry.at, this.lastGoodPollAt) < this.maxAgeMs;
  }

  private async poll(): Promise<void> {
    const startedAt = this.now();
    try {
      const changes = await this.models.IdentityChange.find(this.lastSeen ? { _id: { $gt: this.lastSeen } } : {})
        .sort({ _id: 1 })
        .limit(FEED_PAGE)
        .lean<IdentityChangeDoc[]>()
        .exec();
      const changed = new Set<string>();
      for (const change of changes) {
        for (const id of change.userIds) {
          if (this.entries.delete(id)) this.stats.invalidations++;
          changed.add(id);
        }
        this.lastSeen = change._id;
      }
      if (changed.size > 0) for (const listener of this.listeners) listener([...changed]);
      // A full page may leave changes unread: the feed counts as read only when a page is not full.
      if (changes.length < FEED_PAGE) this.lastGoodPollAt = startedAt;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'identity change feed unreadable; cached identities expire by age');
    }
  }

  private remember(id: string, identities: MerchantIdentities, at: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, { identities, at });
  }
}

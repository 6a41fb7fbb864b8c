/**
 * Ended sessions, refused at the gateway. Access tokens are verified locally and live 15 minutes, so
 * logout and refresh-token reuse would not reach the gateway without this: the identity service appends
 * every ended session family to `revoked_sessions`, and each gateway follows that feed like the identity
 * change feed. A revocation made through this gateway applies before the mutation's answer reaches the
 * client (`refreshNow`); other gateways apply it within one poll interval plus one store round trip.
 * Entries are kept only while a token of the session can still be valid, so memory is bounded by the
 * sessions ended in the last access-token lifetime.
 */
import type { Types } from 'mongoose';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import type { UnauthenticatedReason } from '../platform/errors.js';
import type { IdentityModels, RevokedSessionDoc } from '../platform/identity-store/models.js';
import type { Logger } from '../platform/logger.js';
import { DEFAULT_FEED_POLL_MS, FeedPoller } from './feed-poller.js';
import type { ViewerVerifier } from './viewer.js';

const SESSION_REVOKED: UnauthenticatedReason = 'SESSION_REVOKED';

export interface SessionRevocationsOptions {
  /** How often to read the feed: the bound for revocations made through other gateways. @default 250 */
  pollMs?: number;
  /** A safety cap on remembered sessions; past it the oldest are forgotten (and it is logged). @default 1000000 */
  maxEntries?: number;
}

export class SessionRevocations {
  /** sessionId → when its last access token expires (epoch ms). Insertion order is roughly expiry order. */
  private readonly revoked = new Map<string, number>();
  private readonly maxEntries: number;
  private lastSeen: Types.ObjectId | undefined;
  private readonly poller: FeedPoller;
  private readonly listeners = new Set<(sessionId: string) => void>();

  constructor(
    private readonly models: Pick<IdentityModels, 'RevokedSession'>,
    private readonly logger: Logger,
    options: SessionRevocationsOptions = {},
  ) {
    this.poller = new FeedPoller(() => this.poll(), options.pollMs ?? DEFAULT_FEED_POLL_MS);
    this.maxEntries = options.maxEntries ?? 1_000_000;
  }

  /** Loads every revocation whose tokens may still be valid, then follows the feed. */
  async start(): Promise<void> {
    await this.read({ expiresAt: { $gt: new Date() } });
    if (!this.lastSeen) {
      const latest = await this.models.RevokedSession.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean<RevokedSessionDoc>().exec();
      this.lastSeen = latest?._id;
    }
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  /** Whether the session was ended. */
  isRevoked(sessionId: string): boolean {
    const expiresAt = this.revoked.get(sessionId);
    if (expiresAt === undefined) return false;
    if (expiresAt > Date.now()) return true;
    this.revoked.delete(sessionId);
    return false;
  }

  /** Number of sessions remembered (for metrics and tests). */
  get size(): number {
    return this.revoked.size;
  }

  /** Reads the feed now (one read at a time). */
  refreshNow(): Promise<void> {
    return this.poller.refreshNow();
  }

  /** Calls `listener` with each session ended from now on, as the feed is read (open sockets of it close). Returns the unsubscribe. */
  onRevoked(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Wraps a verifier so tokens of ended sessions are refused like expired ones. */
  guard(verify: ViewerVerifier): ViewerVerifier {
    return async (authorization) => {
      const viewer = await verify(authorization);
      if (viewer && this.isRevoked(viewer.sessionId)) {
        throw new HttpError(401, 'UNAUTHENTICATED', 'The session has ended (logged out or revoked); log in again.', { reason: SESSION_REVOKED });
      }
      return viewer;
    };
  }

  private async poll(): Promise<void> {
    try {
      await this.read(this.lastSeen ? { _id: { $gt: this.lastSeen } } : {});
      this.forgetExpired();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'session revocation feed unreadable; revocations from other gateways wait until it is back');
    }
  }

  private async read(filter: Record<string, unknown>): Promise<void> {
    const docs = await this.models.RevokedSession.find(filter, { sessionId: 1, expiresAt: 1 })
      .sort({ _id: 1 })
      .limit(10_000)
      .lean<RevokedSessionDoc[]>()
      .exec();
    for (const doc of docs) {
      this.revoked.delete(doc.sessionId);
      this.revoked.set(doc.sessionId, doc.expiresAt.getTime());
      this.lastSeen = doc._id;
      for (const listener of this.listeners) listener(doc.sessionId);
    }
    if (this.revoked.size > this.maxEntries) {
      this.logger.error({ remembered: this.revoked.size, cap: this.maxEntries }, 'too many revoked sessions to remember; forgetting the oldest');
      for (const id of this.revoked.keys()) {
        if (this.revoked.size <= this.maxEntries) break;
        this.revoked.delete(id);
      }
    }
    // A full page means more is waiting: read on without waiting for the next tick.
    if (docs.length === 10_000) await this.read({ _id: { $gt: this.lastSeen } });
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [id, expiresAt] of this.revoked) {
      if (expiresAt > now) break;
      this.revoked.delete(id);
    }
  }
}

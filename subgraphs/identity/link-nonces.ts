/**
 * One-time, short-lived nonces that bind a second step to the session that started it (handoff to a
 * merchant app, merchant assertions, the official-account bridge). Only hashes are stored; a nonce is
 * consumed atomically, so it links at most once however many times it is replayed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PlatformError } from '../../platform/errors.js';
import type { IdentityModels, LinkNonceDoc, NonceKind } from '../../platform/identity-store/models.js';

/** @default 2 minutes, as the handoff design asks. */
export const NONCE_TTL_MS = 2 * 60_000;
/** Letters and digits only: it must fit WeChat's OAuth `state` ([A-Za-z0-9]{0,128}). */
const NONCE_PATTERN = /^[A-Za-z0-9]{32}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const hashOf = (nonce: string) => createHash('sha256').update(nonce).digest('base64url');

/** 32 characters from [A-Za-z0-9], unbiased (bytes >= 248 = 62 * 4 are skipped). */
function newNonce(): string {
  let out = '';
  while (out.length < 32) {
    for (const byte of randomBytes(48)) if (byte < 248 && out.length < 32) out += ALPHABET[byte % 62];
  }
  return out;
}

export interface NonceIssue {
  kind: NonceKind;
  userId: string;
  sessionId: string;
  appId: string;
  merchantId?: string;
}

/** What the redeeming side must match. */
export interface NonceExpectation {
  kind: NonceKind;
  appId?: string;
  merchantId?: string;
  userId?: string;
  /**
   * Who redeems it (an identity id). Until `complete` is called, the same redeemer may redeem it again, so
   * a link that failed after the nonce was spent (the store went away mid-link) can be retried; anyone
   * else, and anyone after completion, is refused.
   */
  redeemer?: string;
}

export class LinkNonces {
  constructor(
    private readonly models: Pick<IdentityModels, 'LinkNonce' | 'RefreshToken'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async issue(issue: NonceIssue, ttlMs = NONCE_TTL_MS): Promise<{ nonce: string; expiresAt: Date }> {
    const nonce = newNonce();
    const expiresAt = new Date(this.now().getTime() + ttlMs);
    await this.models.LinkNonce.create({ _id: hashOf(nonce), ...issue, expiresAt });
    return { nonce, expiresAt };
  }

  /** Whether a nonce exists, is of `kind`, unused and unexpired (nothing is consumed). */
  async usable(nonce: string, kind: NonceKind): Promise<boolean> {
    if (!NONCE_PATTERN.test(nonce)) return false;
    return (await this.models.LinkNonce.exists({ _id: hashOf(nonce), kind, usedAt: { $exists: false }, expiresAt: { $gt: this.now() } })) !== null;
  }

  /** Checks and consumes a nonce; each failure has its own code. */
  async redeem(nonce: string, expected: NonceExpectation): Promise<LinkNonceDoc> {
    if (!NONCE_PATTERN.test(nonce)) throw new PlatformError('LINK_NONCE_INVALID', 'The link nonce is malformed.');
    const hash = hashOf(nonce);
    const now = this.now();
    const found = await this.models.LinkNonce.findById(hash).lean<LinkNonceDoc>().exec();
    if (!found) throw new PlatformError('LINK_NONCE_INVALID', 'The link nonce is unknown.');
    if (found.kind !== expected.kind) throw new PlatformError('LINK_NONCE_MISMATCH', 'The link nonce is for another purpose.');
    const retry = expected.redeemer !== undefined && found.usedBy === expected.redeemer && !found.completedAt;
    if (found.usedAt && !retry) throw new PlatformError('LINK_NONCE_USED', 'The link nonce was already used.');
    if (found.expiresAt <= now) throw new PlatformError('LINK_NONCE_EXPIRED', 'The link nonce expired.');
    if (expected.appId && found.appId !== expected.appId) throw new PlatformError('LINK_NONCE_MISMATCH', 'The link nonce was issued for another app.');
    if (expected.merchantId && found.merchantId !== expected.merchantId)
      throw new PlatformError('LINK_NONCE_MISMATCH', 'The link nonce was issued for another merchant.');
    if (expected.userId && found.userId !== expected.userId) throw new PlatformError('LINK_NONCE_MISMATCH', 'The link nonce belongs to another session.');
    // Bound to the session that asked for it: once that session is revoked, the nonce is dead too.
    const live = await this.models.RefreshToken.exists({ familyId: found.sessionId, revokedAt: { $exists: false } });
    if (!live) throw new PlatformError('LINK_NONCE_MISMATCH', 'The session that issued this link nonce has ended.');
    const consumed = await this.models.LinkNonce.findOneAndUpdate(
      retry ? { _id: hash, usedBy: expected.redeemer, completedAt: { $exists: false } } : { _id: hash, usedAt: { $exists: false } },
      { $set: { usedAt: found.usedAt ?? now, ...(expected.redeemer ? { usedBy: expected.redeemer } : {}) } },
      { returnDocument: 'after' },
    )
      .lean<LinkNonceDoc>()
      .exec();
    if (!consumed) throw new PlatformError('LINK_NONCE_USED', 'The link nonce was already used.');
    return consumed;
  }

  /** Marks a redeemed nonce's link done: no retry can redeem it again. */
  async complete(nonce: LinkNonceDoc): Promise<void> {
    await this.models.LinkNonce.updateOne({ _id: nonce._id }, { $set: { completedAt: this.now() } }).exec();
  }
}

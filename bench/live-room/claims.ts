/**
 * Claims through the gateway, each by another logged-in viewer so each takes a unit of stock (a viewer's
 * second claim returns their first and changes nothing). The claim ticker sends on a fixed schedule without
 * waiting for answers, as a live room's viewers would; the send time of each is what delivery latency is
 * measured from.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from './socket-load-protocol.js';

export const CLAIM = 'mutation Claim($couponId: ID!) { claimCoupon(couponId: $couponId) { claimedAt } }';

/** One claim: when it was sent and answered (monotonicMs), and what went wrong if it did. */
export interface ClaimRecord {
  sentAt: number;
  answeredAt: number;
  error: string | undefined;
}

/**
 * How long one claim may take before it counts as failed. Long: a claim given up on here may still take its
 * unit, and the events would then no longer line up with the claims that succeeded.
 */
const CLAIM_TIMEOUT_MS = 30_000;

/** Sends one claim for the viewer holding `token`. */
export async function claim(url: string, token: string, couponId: string): Promise<ClaimRecord> {
  const body = JSON.stringify({ query: CLAIM, variables: { couponId } });
  const sentAt = monotonicMs();
  let error: string | undefined;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
      signal: AbortSignal.timeout(CLAIM_TIMEOUT_MS),
    });
    const answer = (await response.json()) as { errors?: unknown[] };
    if (answer.errors?.length) error = JSON.stringify(answer.errors).slice(0, 300);
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  return { sentAt, answeredAt: monotonicMs(), error };
}

/**
 * Sends one claim per token, the k-th at `k * intervalMs` after the first (the schedule holds however long
 * answers take), and resolves when every claim is answered or timed out: bounded by the tokens given.
 */
export async function claimOnSchedule(url: string, tokens: readonly string[], couponId: string, intervalMs: number): Promise<ClaimRecord[]> {
  const started = monotonicMs();
  const claims: Promise<ClaimRecord>[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const wait = started + k * intervalMs - monotonicMs();
    if (wait > 0) await sleep(wait);
    claims.push(claim(url, tokens[k]!, couponId));
  }
  return Promise.all(claims);
}

/** Claims whose answer came after the next claim was sent: their events may come in either order (see README, "Live room"). */
export function overlapping(claims: readonly ClaimRecord[]): number {
  return claims.filter((c, k) => k + 1 < claims.length && c.answeredAt > claims[k + 1]!.sentAt).length;
}

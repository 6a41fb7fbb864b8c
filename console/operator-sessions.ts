/**
 * Operator sessions and the login rate limit, in memory: the console is one process, and losing sessions
 * on restart only means logging in again. A session carries its own CSRF token, checked on every POST.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Operator } from './operators.js';

export interface OperatorSession {
  id: string;
  operator: Operator;
  csrf: string;
  expiresAt: number;
}

/** @default 8 hours: a working day, then log in again. */
export const SESSION_TTL_MS = 8 * 3600_000;

export const newToken = () => randomBytes(32).toString('base64url');

/** Constant-time comparison of two tokens (false when either is missing). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

export class OperatorSessions {
  private readonly sessions = new Map<string, OperatorSession>();

  constructor(private readonly now: () => number = Date.now) {}

  start(operator: Operator): OperatorSession {
    const session = { id: newToken(), operator, csrf: newToken(), expiresAt: this.now() + SESSION_TTL_MS };
    this.sessions.set(session.id, session);
    return session;
  }

  find(id: string | undefined): OperatorSession | undefined {
    const session = id ? this.sessions.get(id) : undefined;
    if (session && session.expiresAt <= this.now()) {
      this.sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }
}

/**
 * At most `maxFailures` failed logins per client address and operator id in a sliding `windowMs`, and
 * four times that per address whatever the ids; past either, logins from there are refused until the
 * window moves on. (Per pair, so a guesser elsewhere cannot lock an operator out.)
 */
export class LoginRateLimit {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(address: string, operatorId: string): boolean {
    return this.recent(`${address}\0${operatorId}`).length >= this.maxFailures || this.recent(address).length >= this.maxFailures * 4;
  }

  fail(address: string, operatorId: string): void {
    for (const key of [`${address}\0${operatorId}`, address]) this.failures.set(key, [...this.recent(key), this.now()]);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((at) => at > since);
  }
}

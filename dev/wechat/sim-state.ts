/**
 * The simulator's memory: issued codes, access tokens, queued faults, and a clock tests can move.
 * Codes live 5 minutes and work once, as WeChat's do.
 */
import { randomBytes } from 'node:crypto';

export const CODE_LIFETIME_MS = 5 * 60_000;
export const TOKEN_LIFETIME_S = 7200;
/** /cgi-bin/token: a superseded token keeps working this long. */
export const OLD_TOKEN_GRACE_MS = 5 * 60_000;

export type CodeKind = 'login' | 'oauth' | 'phone';

export interface IssuedCode {
  kind: CodeKind;
  appId: string;
  person: string;
  issuedAt: number;
  used: boolean;
  phone?: string;
  snapshot?: boolean;
  scope?: string;
}

export interface IssuedToken {
  appId: string;
  expiresAt: number;
}

/** A queued fault: the next `times` calls to `path` fail with `errcode` and/or stall `delayMs`. */
export interface Fault {
  path: string;
  errcode?: number;
  delayMs?: number;
  times: number;
}

export class SimulatorState {
  private offsetMs = 0;
  readonly codes = new Map<string, IssuedCode>();
  readonly tokens = new Map<string, IssuedToken>();
  /** The current stable token per appId. */
  readonly stableTokens = new Map<string, string>();
  readonly faults: Fault[] = [];
  /** The component_verify_ticket WeChat would push to the third-party platform every 10 minutes. */
  verifyTicket = `ticket@@@${randomBytes(12).toString('base64url')}`;
  /** Call counts per API path, for tests that assert how often WeChat was asked. */
  readonly calls = new Map<string, number>();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  issueCode(code: Omit<IssuedCode, 'issuedAt' | 'used'>): string {
    const value = randomBytes(16).toString('hex');
    this.codes.set(value, { ...code, issuedAt: this.now(), used: false });
    return value;
  }

  /** The code if it exists, is not expired and was made for `kind`; marks nothing. */
  lookupCode(value: string, kind: CodeKind): IssuedCode | undefined {
    const code = this.codes.get(value);
    if (!code || code.kind !== kind || this.now() - code.issuedAt > CODE_LIFETIME_MS) return undefined;
    return code;
  }

  issueToken(appId: string): { token: string; expiresIn: number } {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { appId, expiresAt: this.now() + TOKEN_LIFETIME_S * 1000 });
    return { token, expiresIn: TOKEN_LIFETIME_S };
  }

  /** The appId a token belongs to, if it is still valid. */
  tokenApp(token: string): string | undefined {
    const issued = this.tokens.get(token);
    return issued && this.now() < issued.expiresAt ? issued.appId : undefined;
  }

  expireToken(token: string, inMs: number): void {
    const issued = this.tokens.get(token);
    if (issued) issued.expiresAt = Math.min(issued.expiresAt, this.now() + inMs);
  }

  /** Takes one queued fault for `path`, if any. */
  takeFault(path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => f.path === path);
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    if (--fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

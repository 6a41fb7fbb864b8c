/**
 * Console operator accounts, read from the JSON file CONSOLE_OPERATORS names: an id, a display name, a
 * role and an scrypt password hash (`scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`). `npm run console:hash`
 * makes a hash. Passwords are never stored or logged.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** `support` reads; `privacy` also unlinks, exports, erases and revokes sessions. */
export const OPERATOR_ROLES = ['support', 'privacy'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export interface Operator {
  id: string;
  name: string;
  role: OperatorRole;
}

const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

const OperatorsSchema = z
  .array(
    z
      .object({
        id: z.string().regex(/^[a-z][a-z0-9._-]{1,31}$/, 'must be lower-case letters, digits, . _ -'),
        name: z.string().min(1),
        role: z.enum(OPERATOR_ROLES),
        passwordHash: z.string().regex(HASH, 'must be an scrypt hash made by npm run console:hash'),
      })
      .strict(),
  )
  .min(1);

export interface OperatorDirectory {
  /** The operator whose password this is, or undefined (same work whether or not the id exists). */
  authenticate(id: string, password: string): Promise<Operator | undefined>;
}

function derive(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { ...options, maxmem: 256 * 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

/** An scrypt hash of `password` in the accounts file's format. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const [N, r, p] = [16384, 8, 1];
  const key = await derive(password, salt, 32, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function verify(hash: string, password: string): Promise<boolean> {
  const [, N, r, p, salt, expected] = HASH.exec(hash)!;
  const expectedKey = Buffer.from(expected!, 'base64');
  const key = await derive(password, Buffer.from(salt!, 'base64'), expectedKey.length, { N: Number(N), r: Number(r), p: Number(p) });
  return timingSafeEqual(key, expectedKey);
}

/** Reads and validates the accounts file; the error names the file and the bad field. */
export function loadOperators(path: string): OperatorDirectory {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read console operators ${path}: ${(error as Error).message}`);
  }
  const result = OperatorsSchema.safeParse(parsed);
  if (!result.success) {
    throw new Error(`console operators ${path} are invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const accounts = new Map(result.data.map((a) => [a.id, a]));
  // Unknown ids are checked against a dummy hash, so timing does not tell which ids exist.
  const dummy = result.data[0]!.passwordHash;
  return {
    async authenticate(id, password) {
      const account = accounts.get(id);
      const ok = await verify(account?.passwordHash ?? dummy, password);
      return ok && account ? { id: account.id, name: account.name, role: account.role } : undefined;
    },
  };
}

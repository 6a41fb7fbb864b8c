/** The id that names one request in every service's logs, taken from the caller when it is safe to log. */
import { randomUUID } from 'node:crypto';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A caller's request id is kept only when it is short and plain (it goes into logs and subgraph headers); else a fresh UUID. */
export function requestIdOf(given: unknown): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

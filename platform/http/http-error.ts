/** An error answered directly with an HTTP status and a GraphQL-shaped body, before GraphQL execution. */
import type { ErrorCode } from '../errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'BAD_REQUEST',
    message: string,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): string {
    return JSON.stringify({ errors: [{ message: this.message, extensions: { code: this.code } }] });
  }
}

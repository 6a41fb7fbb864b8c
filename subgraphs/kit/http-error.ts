/** An error answered directly with an HTTP status and a GraphQL-shaped body, before GraphQL execution. */
import type { ErrorCode } from '../../platform/errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'BAD_REQUEST',
    message: string,
    /** More machine-readable detail beside the code (never secrets), e.g. `reason`. */
    readonly extensions: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): string {
    return JSON.stringify({ errors: [{ message: this.message, extensions: { ...this.extensions, code: this.code } }] });
  }
}

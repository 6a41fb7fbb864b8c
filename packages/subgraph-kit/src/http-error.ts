/** An error answered directly with an HTTP status and a GraphQL-shaped body, before GraphQL execution. */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** The `extensions.code` clients branch on. */
    readonly code: string,
    message: string,
    /** More machine-readable detail beside the code (never secrets), e.g. `reason`. */
    readonly extensions: Record<string, string> = {},
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): string {
    return JSON.stringify({ errors: [{ message: this.message, extensions: { ...this.extensions, code: this.code } }] });
  }
}

/** An error answered directly with an HTTP status and a GraphQL-shaped body, before GraphQL execution. */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** The `extensions.code` clients branch on. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  body(): string {
    return JSON.stringify({ errors: [{ message: this.message, extensions: { code: this.code } }] });
  }
}

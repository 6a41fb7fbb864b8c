/**
 * MongoDB's own error codes and reply shapes, so drivers and mongoose react exactly as they do
 * against a real server (for example, mongoose's duplicate-key handling keys on code 11000).
 */
import type { Document } from 'bson';

/** The server error codes this dev server can answer with (names as MongoDB's `codeName`). */
export const MongoErrorCode = {
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  DuplicateKey: 11000,
} as const;
export type MongoErrorName = keyof typeof MongoErrorCode;

/** A command failure; becomes `{ ok: 0, errmsg, code, codeName, ...extra }` on the wire. */
export class CommandError extends Error {
  readonly code: number;
  constructor(
    readonly codeName: MongoErrorName,
    message: string,
    readonly extra: Document = {},
  ) {
    super(message);
    this.code = MongoErrorCode[codeName];
  }

  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  /** The per-document shape used inside `writeErrors`. */
  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

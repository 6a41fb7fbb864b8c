/** What every command handler receives, and the shape of a handler. */
import type { Document, ObjectId } from 'bson';
import type { CursorRegistry } from '../cursors.js';
import type { Store } from '../database.js';
import { CommandError } from '../errors.js';

export interface CommandContext {
  store: Store;
  cursors: CursorRegistry;
  /** The database the command addresses (`$db`). */
  db: string;
  connectionId: number;
  /** This run of the server: hello's `topologyVersion.processId`, new at every start. */
  processId: ObjectId;
}

export type CommandHandler = (command: Document, ctx: CommandContext) => Document;

/** The collection name a command addresses by its first field, checked to be a string. */
export function collectionName(command: Document, field: string): string {
  const name = command[field];
  if (typeof name !== 'string' || name.length === 0) {
    throw new CommandError('InvalidNamespace', `collection name has invalid type ${typeof name}`);
  }
  return name;
}

/** An optional document-valued field, checked. */
export function documentField(command: Document, field: string): Document | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CommandError(
      'TypeMismatch',
      `BSON field '${field}' is the wrong type '${Array.isArray(value) ? 'array' : typeof value}', expected type 'object'`,
    );
  }
  return value as Document;
}

/** An optional non-negative number field, checked. */
export function numberField(command: Document, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeof value}', expected a number`);
  }
  return value;
}

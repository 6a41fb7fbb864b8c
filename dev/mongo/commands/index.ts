/** Routes a command document to its handler; anything not listed is CommandNotFound, never a silent success. */
import type { Document } from 'bson';
import { CommandError } from '../errors.js';
import type { CommandContext, CommandHandler } from './context.js';
import { ddlCommands } from './ddl.js';
import { handshakeCommands } from './handshake.js';
import { readCommands } from './read.js';
import { writeCommands } from './write.js';

const HANDLERS: ReadonlyMap<string, CommandHandler> = new Map(Object.entries({ ...handshakeCommands, ...readCommands, ...writeCommands, ...ddlCommands }));

/** Runs one command and returns its reply document; failures come back as MongoDB error replies. */
export function executeCommand(command: Document, ctx: CommandContext): Document {
  const name = Object.keys(command)[0] ?? '';
  try {
    if (command.txnNumber !== undefined || command.startTransaction !== undefined || command.autocommit !== undefined) {
      throw new CommandError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    const handler = HANDLERS.get(name);
    if (!handler) throw new CommandError('CommandNotFound', `no such command: '${name}'`);
    return handler(command, ctx);
  } catch (error) {
    if (error instanceof CommandError) return error.toReply();
    // mingo reports bad operators and expressions by throwing plain errors: those are the client's fault.
    return new CommandError('BadValue', error instanceof Error ? error.message : String(error)).toReply();
  }
}

/** The names of every supported command, for documentation and tests. */
export const SUPPORTED_COMMANDS: readonly string[] = [...HANDLERS.keys()];

/**
 * Write commands: insert, update, delete, findAndModify. Each command runs to completion before the
 * next one starts (the server is single-threaded), so every single-document write is atomic, as in
 * MongoDB, and two racing upserts can never both insert.
 */
import type { Document } from 'bson';
import { find as mingoFind } from 'mingo';
import { QUERY_OPTIONS, type Collection } from '../collection.js';
import { CommandError } from '../errors.js';
import { applyUpdate, upsertDocument } from '../update-apply.js';
import { collectionName, documentField, type CommandContext, type CommandHandler } from './context.js';

function target(ctx: CommandContext, name: string): Collection {
  return ctx.store.getOrCreate(ctx.db, name).collection;
}

function documentsField(cmd: Document, field: string): Document[] {
  const value = cmd[field];
  if (!Array.isArray(value)) throw new CommandError('TypeMismatch', `BSON field '${field}' is missing or not an array`);
  return value as Document[];
}

/** Runs each item; collects writeErrors; stops at the first error when ordered (the default). */
function eachWrite<T>(cmd: Document, items: T[], run: (item: T, index: number) => void): Document[] {
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  for (const [index, item] of items.entries()) {
    try {
      run(item, index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      writeErrors.push(error.toWriteError(index));
      if (ordered) break;
    }
  }
  return writeErrors;
}

function withErrors(reply: Document, writeErrors: Document[]): Document {
  return writeErrors.length ? { ...reply, writeErrors } : reply;
}

const insert: CommandHandler = (cmd, ctx) => {
  const collection = target(ctx, collectionName(cmd, 'insert'));
  let n = 0;
  const writeErrors = eachWrite(cmd, documentsField(cmd, 'documents'), (doc) => {
    collection.insert(doc);
    n++;
  });
  ctx.store.onChange();
  return withErrors({ n, ok: 1 }, writeErrors);
};

interface UpdateStatement {
  q: Document;
  u: Document | Document[];
  upsert?: boolean;
  multi?: boolean;
  arrayFilters?: Document[];
}

const update: CommandHandler = (cmd, ctx) => {
  const collection = target(ctx, collectionName(cmd, 'update'));
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = eachWrite(cmd, documentsField(cmd, 'updates') as UpdateStatement[], (statement, index) => {
    if (!statement.q || typeof statement.q !== 'object') throw new CommandError('TypeMismatch', "BSON field 'q' must be an object");
    if (!statement.u || typeof statement.u !== 'object') throw new CommandError('TypeMismatch', "BSON field 'u' must be an object or a pipeline");
    const isReplacement = !Array.isArray(statement.u) && !Object.keys(statement.u).some((k) => k.startsWith('$'));
    if (statement.multi && isReplacement) throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
    const matches = collection.match(statement.q);
    if (matches.length === 0) {
      if (!statement.upsert) return;
      const doc = collection.insert(upsertDocument(statement.q, statement.u, statement.arrayFilters));
      n++;
      upserted.push({ index, _id: doc._id });
      return;
    }
    for (const current of statement.multi ? matches : matches.slice(0, 1)) {
      const outcome = applyUpdate(current, statement.u, { query: statement.q, arrayFilters: statement.arrayFilters });
      n++;
      if (outcome.modified) {
        collection.replace(current, outcome.doc);
        nModified++;
      }
    }
  });
  ctx.store.onChange();
  const reply: Document = { n, nModified, ok: 1 };
  if (upserted.length) reply.upserted = upserted;
  return withErrors(reply, writeErrors);
};

const remove: CommandHandler = (cmd, ctx) => {
  const collection = ctx.store.get(ctx.db, collectionName(cmd, 'delete'));
  let n = 0;
  const writeErrors = eachWrite(cmd, documentsField(cmd, 'deletes'), (statement) => {
    if (!statement.q || typeof statement.q !== 'object') throw new CommandError('TypeMismatch', "BSON field 'q' must be an object");
    if (statement.limit !== 0 && statement.limit !== 1) throw new CommandError('BadValue', 'The limit field in delete objects must be 0 or 1');
    if (!collection) return;
    const matches = collection.match(statement.q as Document);
    for (const doc of statement.limit === 1 ? matches.slice(0, 1) : matches) {
      collection.remove(doc);
      n++;
    }
  });
  ctx.store.onChange();
  return withErrors({ n, ok: 1 }, writeErrors);
};

const findAndModify: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'findAndModify');
  const query = documentField(cmd, 'query') ?? {};
  const sort = documentField(cmd, 'sort');
  const fields = documentField(cmd, 'fields');
  const updateSpec = cmd.update as Document | Document[] | undefined;
  const removing = cmd.remove === true;
  if (removing === (updateSpec !== undefined)) throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  if (removing && cmd.upsert) throw new CommandError('FailedToParse', 'Cannot specify both an upsert and remove=true');
  const arrayFilters = Array.isArray(cmd.arrayFilters) ? (cmd.arrayFilters as Document[]) : undefined;
  const collection = target(ctx, name);
  let matches = collection.match(query);
  if (sort && Object.keys(sort).length)
    matches = mingoFind(matches, {}, undefined, QUERY_OPTIONS)
      .sort(sort as Record<string, 1 | -1>)
      .all() as Document[];
  const current = matches[0];
  const project = (doc: Document | undefined): Document | null =>
    doc === undefined ? null : fields && Object.keys(fields).length ? ((mingoFind([doc], {}, fields, QUERY_OPTIONS).next() as Document) ?? null) : doc;

  let reply: Document;
  if (removing) {
    if (current) collection.remove(current);
    reply = { lastErrorObject: { n: current ? 1 : 0 }, value: project(current), ok: 1 };
  } else if (current) {
    const outcome = applyUpdate(current, updateSpec!, { query, arrayFilters });
    if (outcome.modified) collection.replace(current, outcome.doc);
    reply = { lastErrorObject: { n: 1, updatedExisting: true }, value: project(cmd.new ? outcome.doc : current), ok: 1 };
  } else if (cmd.upsert) {
    const doc = collection.insert(upsertDocument(query, updateSpec!, arrayFilters));
    reply = { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id }, value: project(cmd.new ? doc : undefined), ok: 1 };
  } else {
    reply = { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  }
  ctx.store.onChange();
  return reply;
};

export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: remove, findAndModify, findandmodify: findAndModify };

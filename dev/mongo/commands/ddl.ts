/** Collection and index management: create, drop, dropDatabase, listCollections, createIndexes, listIndexes, dropIndexes. */
import type { Document } from 'bson';
import { Query } from 'mingo';
import { QUERY_OPTIONS } from '../collection.js';
import { CommandError } from '../errors.js';
import type { IndexSpec } from '../indexes.js';
import { collectionName, documentField, numberField, type CommandHandler } from './context.js';

const ID_INDEX_SPEC = { v: 2, key: { _id: 1 }, name: '_id_' };

const create: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'create');
  const { created } = ctx.store.getOrCreate(ctx.db, name, {});
  if (!created) throw new CommandError('NamespaceExists', `Collection ${ctx.db}.${name} already exists.`);
  ctx.store.onChange();
  return { ok: 1 };
};

const drop: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'drop');
  const existed = ctx.store.get(ctx.db, name);
  ctx.store.drop(ctx.db, name);
  ctx.store.onChange();
  return existed ? { nIndexesWas: existed.listIndexes().length, ns: `${ctx.db}.${name}`, ok: 1 } : { ok: 1 };
};

const dropDatabase: CommandHandler = (_cmd, ctx) => {
  ctx.store.dropDatabase(ctx.db);
  ctx.store.onChange();
  return { dropped: ctx.db, ok: 1 };
};

const listCollections: CommandHandler = (cmd, ctx) => {
  const filter = documentField(cmd, 'filter') ?? {};
  const query = new Query(filter, QUERY_OPTIONS);
  const entries = ctx.store
    .collections(ctx.db)
    .map((c) =>
      cmd.nameOnly
        ? { name: c.name, type: 'collection' }
        : { name: c.name, type: 'collection', options: c.options, info: { readOnly: false }, idIndex: ID_INDEX_SPEC },
    )
    .filter((entry) => query.test(entry));
  return ctx.cursors.firstBatch(`${ctx.db}.$cmd.listCollections`, entries, numberField(documentField(cmd, 'cursor') ?? {}, 'batchSize'));
};

const createIndexes: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'createIndexes');
  if (!Array.isArray(cmd.indexes) || cmd.indexes.length === 0) throw new CommandError('BadValue', 'Must specify at least one index to create');
  const { collection, created } = ctx.store.getOrCreate(ctx.db, name);
  const before = collection.listIndexes().length;
  for (const raw of cmd.indexes as Document[]) {
    if (!raw.key || typeof raw.key !== 'object' || Object.keys(raw.key).length === 0)
      throw new CommandError('BadValue', 'index key pattern must be a non-empty object');
    if (typeof raw.name !== 'string') throw new CommandError('BadValue', 'index must have a name');
    const spec: IndexSpec = { name: raw.name, key: raw.key as Document };
    if (raw.unique) spec.unique = true;
    if (raw.sparse) spec.sparse = true;
    if (raw.partialFilterExpression) spec.partialFilterExpression = raw.partialFilterExpression as Document;
    if (typeof raw.expireAfterSeconds === 'number') spec.expireAfterSeconds = raw.expireAfterSeconds;
    collection.createIndex(spec);
  }
  ctx.store.onChange();
  const after = collection.listIndexes().length;
  const reply: Document = { createdCollectionAutomatically: created, numIndexesBefore: before, numIndexesAfter: after, ok: 1 };
  if (after === before) reply.note = 'all indexes already exist';
  return reply;
};

const listIndexes: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'listIndexes');
  const collection = ctx.store.get(ctx.db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  const specs = collection.listIndexes().map((spec) => ({ v: 2, ...spec }));
  return ctx.cursors.firstBatch(`${ctx.db}.${name}`, specs, numberField(documentField(cmd, 'cursor') ?? {}, 'batchSize'));
};

const dropIndexes: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'dropIndexes');
  const collection = ctx.store.get(ctx.db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns not found ${ctx.db}.${name}`);
  const was = collection.listIndexes().length;
  const which = cmd.index;
  if (which === '*') collection.dropAllIndexes();
  else if (typeof which === 'string') collection.dropIndex(which);
  else if (Array.isArray(which)) for (const n of which) collection.dropIndex(String(n));
  else if (which && typeof which === 'object') {
    const indexName = collection.indexNameForKey(which as Document);
    if (!indexName) throw new CommandError('IndexNotFound', `can't find index with key: ${JSON.stringify(which)}`);
    collection.dropIndex(indexName);
  } else throw new CommandError('BadValue', "'index' must be a string, an array of names or a key pattern");
  ctx.store.onChange();
  return { nIndexesWas: was, ok: 1 };
};

export const ddlCommands: Record<string, CommandHandler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
};

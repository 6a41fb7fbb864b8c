/** Read commands: find, getMore, killCursors, count, distinct, aggregate. */
import type { Document } from 'bson';
import { Aggregator, find as mingoFind } from 'mingo';
import { QUERY_OPTIONS } from '../collection.js';
import { toCursorId } from '../cursors.js';
import { CommandError } from '../errors.js';
import { valuesAtPath } from '../indexes.js';
import { collectionName, documentField, numberField, type CommandContext, type CommandHandler } from './context.js';

function matching(ctx: CommandContext, name: string, filter: Document): Document[] {
  return ctx.store.get(ctx.db, name)?.match(filter) ?? [];
}

const find: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'find');
  const filter = documentField(cmd, 'filter') ?? {};
  const sort = documentField(cmd, 'sort');
  const projection = documentField(cmd, 'projection');
  const skip = numberField(cmd, 'skip') ?? 0;
  const limit = numberField(cmd, 'limit') ?? 0;
  if (skip < 0) throw new CommandError('BadValue', 'skip value must be non-negative');
  let cursor = mingoFind(matching(ctx, name, filter), {}, projection && Object.keys(projection).length ? projection : undefined, QUERY_OPTIONS);
  if (sort && Object.keys(sort).length) cursor = cursor.sort(sort as Record<string, 1 | -1>);
  if (skip) cursor = cursor.skip(skip);
  if (limit) cursor = cursor.limit(Math.abs(limit));
  const results = cursor.all() as Document[];
  const singleBatch = cmd.singleBatch === true || limit < 0;
  return ctx.cursors.firstBatch(`${ctx.db}.${name}`, results, numberField(cmd, 'batchSize') ?? (limit ? Math.abs(limit) : undefined), singleBatch);
};

const getMore: CommandHandler = (cmd, ctx) =>
  ctx.cursors.getMore(toCursorId(cmd.getMore), collectionName(cmd, 'collection'), ctx.db, numberField(cmd, 'batchSize'));

const killCursors: CommandHandler = (cmd, ctx) => {
  collectionName(cmd, 'killCursors');
  const ids = Array.isArray(cmd.cursors) ? cmd.cursors.map(toCursorId) : [];
  return ctx.cursors.kill(ids);
};

const count: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'count');
  let n = matching(ctx, name, documentField(cmd, 'query') ?? {}).length;
  n = Math.max(0, n - (numberField(cmd, 'skip') ?? 0));
  const limit = Math.abs(numberField(cmd, 'limit') ?? 0);
  return { n: limit ? Math.min(n, limit) : n, ok: 1 };
};

const distinct: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'distinct');
  if (typeof cmd.key !== 'string') throw new CommandError('TypeMismatch', "BSON field 'key' is missing or not a string");
  const seen = new Map<string, unknown>();
  for (const doc of matching(ctx, name, documentField(cmd, 'query') ?? {})) {
    for (const value of valuesAtPath(doc, cmd.key)) {
      if (value !== undefined) seen.set(JSON.stringify(value), value);
    }
  }
  return { values: [...seen.values()], ok: 1 };
};

const aggregate: CommandHandler = (cmd, ctx) => {
  const target = cmd.aggregate;
  if (!Array.isArray(cmd.pipeline)) throw new CommandError('TypeMismatch', "'pipeline' option must be specified as an array");
  const pipeline = cmd.pipeline as Document[];
  for (const stage of pipeline) {
    const op = Object.keys(stage)[0];
    if (op === '$out' || op === '$merge') throw new CommandError('IllegalOperation', `${op} is not supported by the dev server`);
  }
  if (cmd.explain) throw new CommandError('IllegalOperation', 'explain is not supported by the dev server');
  const source = target === 1 ? [] : matching(ctx, collectionName(cmd, 'aggregate'), {});
  const aggregator = new Aggregator(pipeline, {
    ...QUERY_OPTIONS,
    collectionResolver: (name: string) => ctx.store.get(ctx.db, name)?.allDocuments() ?? [],
  });
  const results = aggregator.run(source) as Document[];
  const cursorOptions = documentField(cmd, 'cursor') ?? {};
  const ns = target === 1 ? `${ctx.db}.$cmd.aggregate` : `${ctx.db}.${String(target)}`;
  return ctx.cursors.firstBatch(ns, results, numberField(cursorOptions, 'batchSize'));
};

export const readCommands: Record<string, CommandHandler> = { find, getMore, killCursors, count, distinct, aggregate };

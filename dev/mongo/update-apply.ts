/**
 * MongoDB update semantics on one document: operator updates ($set, $inc, $push, ... via mingo),
 * replacements, aggregation-pipeline updates, and the document an upsert inserts.
 */
import { ObjectId, type Document } from 'bson';
import { aggregate, update as applyOperators } from 'mingo';
import { QUERY_OPTIONS, cloneDocument, idKey, isOperatorObject } from './collection.js';
import { CommandError } from './errors.js';

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$currentDate',
  '$bit',
  '$setOnInsert',
]);

/** What an update changed. */
export interface UpdateOutcome {
  doc: Document;
  modified: boolean;
}

/** Applies `update` to a copy of `current`; `current` itself is never mutated. */
export function applyUpdate(
  current: Document,
  update: Document | Document[],
  options: { query: Document; arrayFilters?: Document[]; inserting?: boolean },
): UpdateOutcome {
  const before = idKey(current);
  let next: Document;
  if (Array.isArray(update)) {
    next = aggregate([cloneDocument(current)], update, QUERY_OPTIONS)[0] ?? {};
  } else if (Object.keys(update).some((k) => k.startsWith('$'))) {
    next = cloneDocument(current);
    const ops = operatorsFor(update, options.inserting ?? false);
    const setId = (ops.$set as Document | undefined)?._id;
    if (setId !== undefined) {
      if (current._id !== undefined && idKey(setId) !== idKey(current._id)) {
        throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
      }
      next._id = setId;
      delete (ops.$set as Document)._id;
    }
    applyOperators(next, ops, options.arrayFilters, options.query, {
      cloneMode: 'deep',
      queryOptions: QUERY_OPTIONS,
    });
  } else {
    next = replacement(current, update);
  }
  if (current._id !== undefined && idKey(next._id) !== idKey(current._id)) {
    throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  return { doc: next, modified: idKey(next) !== before };
}

/** The document an upsert inserts: the query's equality fields, then the update (with $setOnInsert). */
export function upsertDocument(query: Document, update: Document | Document[], arrayFilters?: Document[]): Document {
  const seed = seedFromQuery(query);
  const isReplacement = !Array.isArray(update) && !Object.keys(update).some((k) => k.startsWith('$'));
  const base = isReplacement ? { _id: seed._id } : seed;
  const { doc } = applyUpdate(base, isReplacement ? { ...update, _id: update._id ?? seed._id } : update, {
    query,
    arrayFilters,
    inserting: true,
  });
  if (doc._id === undefined) return { _id: new ObjectId(), ...doc };
  return doc;
}

function operatorsFor(update: Document, inserting: boolean): Document {
  const ops: Document = {};
  for (const [op, fields] of Object.entries(update)) {
    if (!op.startsWith('$')) {
      throw new CommandError('FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!OPERATORS.has(op)) throw new CommandError('FailedToParse', `Unknown modifier: ${op}`);
    if (fields === null || typeof fields !== 'object') {
      throw new CommandError('FailedToParse', `Modifiers operate on fields but we found type ${typeof fields} instead`);
    }
    guardImmutableId(op, fields as Document);
    if (op === '$setOnInsert') {
      if (inserting) ops.$set = { ...(ops.$set ?? {}), ...fields };
      continue;
    }
    ops[op] = op === '$set' ? { ...(ops.$set ?? {}), ...fields } : fields;
  }
  return ops;
}

/** MongoDB refuses any operator on _id, except $set to the value it already has (checked after applying). */
function guardImmutableId(op: string, fields: Document): void {
  for (const path of Object.keys(fields)) {
    if ((path === '_id' || path.startsWith('_id.')) && op !== '$set' && op !== '$setOnInsert') {
      throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
  }
}

function replacement(current: Document, update: Document): Document {
  for (const key of Object.keys(update)) {
    if (key.startsWith('$')) throw new CommandError('FailedToParse', `The dollar ($) prefixed field '${key}' is not allowed in a replacement`);
  }
  const next = cloneDocument(update);
  if (next._id === undefined && current._id !== undefined) return { _id: current._id, ...next };
  return next;
}

/** Equality conditions of a query, as a document (what an upsert starts from). */
function seedFromQuery(query: Document): Document {
  const doc: Document = {};
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const part of value) Object.assign(doc, seedFromQuery(part as Document));
    } else if (key.startsWith('$')) {
      continue;
    } else if (isOperatorObject(value)) {
      if ('$eq' in (value as Document)) setPath(doc, key, (value as Document).$eq);
    } else {
      setPath(doc, key, value);
    }
  }
  return doc;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    if (target[part] === null || typeof target[part] !== 'object') target[part] = {};
    target = target[part] as Document;
  }
  target[parts[parts.length - 1]!] = value;
}

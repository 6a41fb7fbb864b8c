/**
 * One collection's documents and indexes. Every write goes through here, so unique indexes are
 * enforced on insert, update and upsert alike. Documents are stored and handed out as deep copies:
 * callers can never alias stored state.
 */
import { EJSON, ObjectId, deserialize, serialize, type Document } from 'bson';
import { Query } from 'mingo';
import { CommandError } from './errors.js';
import { Index, defaultIndexName, type IndexSpec } from './indexes.js';

/** Deep copy that keeps BSON types (ObjectId, Date, Long, Binary...). */
export function cloneDocument<T extends Document>(doc: T): T {
  return deserialize(serialize(doc), { promoteBuffers: false }) as T;
}

/** The canonical string of an _id, used as the key of the primary map. */
export function idKey(id: unknown): string {
  return EJSON.stringify({ v: id as never }, { relaxed: false });
}

const ID_INDEX: IndexSpec = { name: '_id_', key: { _id: 1 }, unique: true };

export class Collection {
  private readonly docs = new Map<string, Document>();
  private readonly indexes = new Map<string, Index>([['_id_', new Index(ID_INDEX)]]);

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document = {},
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get size(): number {
    return this.docs.size;
  }

  /** Stored documents that may match `filter`, narrowed by an index when the filter allows. */
  candidates(filter: Document): Document[] {
    for (const index of this.indexes.values()) {
      const values = equalityValues(filter, index.fields);
      if (!values) continue;
      return [...index.lookup(values)].map((id) => this.docs.get(id)!).filter(Boolean);
    }
    return [...this.docs.values()];
  }

  /** Stored documents matching `filter`, in natural order. The caller must not mutate them. */
  match(filter: Document): Document[] {
    const query = new Query(filter, QUERY_OPTIONS);
    return this.candidates(filter).filter((doc) => query.test(doc));
  }

  /** Inserts a copy of `doc` (adding an ObjectId `_id` if missing) and returns the stored copy. */
  insert(input: Document): Document {
    const { _id = new ObjectId(), ...fields } = cloneDocument(input);
    if (Array.isArray(_id)) throw new CommandError('BadValue', "can't use an array for _id");
    // MongoDB stores _id as the first field whatever order the client sent.
    const doc: Document = { _id, ...fields };
    const id = idKey(doc._id);
    for (const index of this.indexes.values()) index.check(this.ns, doc, id);
    for (const index of this.indexes.values()) index.add(doc, id);
    this.docs.set(id, doc);
    return doc;
  }

  /** Replaces the stored `current` with `next` (same _id), enforcing unique indexes first. */
  replace(current: Document, next: Document): void {
    const id = idKey(current._id);
    if (idKey(next._id) !== id) {
      throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    for (const index of this.indexes.values()) index.check(this.ns, next, id);
    for (const index of this.indexes.values()) index.remove(current, id);
    for (const index of this.indexes.values()) index.add(next, id);
    this.docs.set(id, next);
  }

  remove(doc: Document): void {
    const id = idKey(doc._id);
    for (const index of this.indexes.values()) index.remove(doc, id);
    this.docs.delete(id);
  }

  listIndexes(): IndexSpec[] {
    return [...this.indexes.values()].map((i) => i.spec);
  }

  /** Creates an index (idempotent for an identical spec); building a unique one over duplicates fails. */
  createIndex(input: IndexSpec): boolean {
    const spec: IndexSpec = { ...input, name: input.name ?? defaultIndexName(input.key) };
    const existing = this.indexes.get(spec.name) ?? [...this.indexes.values()].find((i) => sameKey(i.spec.key, spec.key));
    if (existing) {
      if (existing.spec.name !== spec.name) {
        throw new CommandError('IndexOptionsConflict', `Index already exists with a different name: ${existing.spec.name}`);
      }
      if (!sameKey(existing.spec.key, spec.key) || !!existing.spec.unique !== !!spec.unique || !!existing.spec.sparse !== !!spec.sparse) {
        throw new CommandError('IndexKeySpecsConflict', `An existing index has the same name as the requested index but different options: ${spec.name}`);
      }
      return false;
    }
    const index = new Index(spec);
    for (const [id, doc] of this.docs) {
      index.check(this.ns, doc, id);
      index.add(doc, id);
    }
    this.indexes.set(spec.name, index);
    return true;
  }

  dropIndex(name: string): void {
    if (name === '_id_') throw new CommandError('InvalidOptions', 'cannot drop _id index');
    if (!this.indexes.delete(name)) throw new CommandError('IndexNotFound', `index not found with name [${name}]`);
  }

  dropAllIndexes(): void {
    for (const name of this.indexes.keys()) if (name !== '_id_') this.indexes.delete(name);
  }

  indexNameForKey(key: Document): string | undefined {
    return [...this.indexes.values()].find((i) => sameKey(i.spec.key, key))?.spec.name;
  }

  allDocuments(): Document[] {
    return [...this.docs.values()];
  }
}

/** mingo options shared by every query: no server-side JavaScript, as in a locked-down MongoDB. */
export const QUERY_OPTIONS = { scriptEnabled: false } as const;

function sameKey(a: Document, b: Document): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The values `filter` pins every field of an index to by plain equality, or undefined. */
function equalityValues(filter: Document, fields: string[]): unknown[] | undefined {
  const values: unknown[] = [];
  for (const field of fields) {
    if (!(field in filter)) return undefined;
    const value = filter[field];
    if (value === null || Array.isArray(value) || isOperatorObject(value) || value instanceof RegExp) return undefined;
    values.push(value);
  }
  return values;
}

/** True for `{ $gt: 1 }`-like objects (as opposed to embedded documents or BSON values). */
export function isOperatorObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.keys(value).some((k) => k.startsWith('$'));
}

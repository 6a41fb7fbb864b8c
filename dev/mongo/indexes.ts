/**
 * Index bookkeeping for the dev server: every index maps its keys to the ids of the documents holding
 * them, which enforces unique indexes and lets equality filters skip a collection scan.
 */
import { EJSON, type Document } from 'bson';
import { Query } from 'mingo';
import { CommandError } from './errors.js';

/** An index as createIndexes describes it. */
export interface IndexSpec {
  name: string;
  key: Document;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
}

/** Reads a dotted path; arrays on the way yield every element's value (multikey semantics). */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  const [head, ...rest] = path.split('.');
  if (doc === null || typeof doc !== 'object') return [];
  if (Array.isArray(doc)) return doc.flatMap((item) => valuesAtPath(item, path));
  if (!(head! in (doc as Document))) return [];
  const value = (doc as Document)[head!];
  if (rest.length === 0) return Array.isArray(value) ? (value.length ? value : [undefined]) : [value];
  return valuesAtPath(value, rest.join('.'));
}

/** A live index over one collection. */
export class Index {
  private readonly entries = new Map<string, Set<string>>();
  private readonly partial?: Query;

  constructor(readonly spec: IndexSpec) {
    if (spec.partialFilterExpression) this.partial = new Query(spec.partialFilterExpression);
  }

  get fields(): string[] {
    return Object.keys(this.spec.key);
  }

  /** The keys `doc` contributes to this index (several for array fields; none if sparse or partial excludes it). */
  keysOf(doc: Document): { keyString: string; keyValue: Document }[] {
    if (this.partial && !this.partial.test(doc)) return [];
    const perField = this.fields.map((f) => valuesAtPath(doc, f));
    if (this.spec.sparse && perField.every((values) => values.length === 0)) return [];
    let combos: unknown[][] = [[]];
    for (const values of perField) {
      const options = values.length ? values : [null];
      combos = combos.flatMap((prefix) => options.map((v) => [...prefix, v === undefined ? null : v]));
    }
    return combos.map((values) => {
      const keyValue: Document = {};
      this.fields.forEach((f, i) => (keyValue[f] = values[i]));
      return { keyString: EJSON.stringify(values, { relaxed: false }), keyValue };
    });
  }

  /** Throws DuplicateKey if `doc` (identified by `docId`) would collide with another document. */
  check(ns: string, doc: Document, docId: string): void {
    if (!this.spec.unique) return;
    for (const { keyString, keyValue } of this.keysOf(doc)) {
      const holders = this.entries.get(keyString);
      if (holders && (holders.size > 1 || !holders.has(docId))) throw duplicate(ns, this.spec, keyValue);
    }
  }

  add(doc: Document, docId: string): void {
    for (const { keyString } of this.keysOf(doc)) {
      let holders = this.entries.get(keyString);
      if (!holders) this.entries.set(keyString, (holders = new Set()));
      holders.add(docId);
    }
  }

  remove(doc: Document, docId: string): void {
    for (const { keyString } of this.keysOf(doc)) {
      const holders = this.entries.get(keyString);
      holders?.delete(docId);
      if (holders?.size === 0) this.entries.delete(keyString);
    }
  }

  /** Ids of the documents whose key equals `keyValues` exactly (one per field, in key order). */
  lookup(keyValues: unknown[]): ReadonlySet<string> {
    return this.entries.get(EJSON.stringify(keyValues, { relaxed: false })) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
function duplicate(ns: string, spec: IndexSpec, keyValue: Document): CommandError {
  const shown = Object.entries(keyValue)
    .map(([k, v]) => `${k}: ${EJSON.stringify(v as never)}`)
    .join(', ');
  return new CommandError('DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: { ${shown} }`, {
    keyPattern: spec.key,
    keyValue,
  });
}

/** MongoDB's default index name: `field_1_other_-1`. */
export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${String(v)}`)
    .join('_');
}

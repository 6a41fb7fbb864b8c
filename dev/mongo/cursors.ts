/**
 * Open cursors: results not yet handed out by find / aggregate / listCollections, returned batch by
 * batch through getMore. Ids are plain numbers below 2^53 so they survive the driver's Long promotion.
 */
import { Long, calculateObjectSize, type Document } from 'bson';
import { CommandError } from './errors.js';

/** The first batch's size when the client names none (MongoDB's own default). */
export const DEFAULT_FIRST_BATCH = 101;
/** Stop a batch once it is about this big, well under the 16 MiB reply limit. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

interface OpenCursor {
  ns: string;
  remaining: Document[];
}

export class CursorRegistry {
  private readonly open = new Map<number, OpenCursor>();
  private nextId = 1;

  /** Replies with the first batch and keeps the rest under a new cursor id (0 when nothing is left). */
  firstBatch(ns: string, results: Document[], batchSize: number | undefined, singleBatch = false): Document {
    const size = batchSize && batchSize > 0 ? batchSize : DEFAULT_FIRST_BATCH;
    const batch = takeBatch(results, size);
    let id = 0;
    const remaining = results.slice(batch.length);
    if (remaining.length && !singleBatch) {
      id = this.nextId++;
      this.open.set(id, { ns, remaining });
    }
    return { cursor: { firstBatch: batch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  getMore(id: number, collection: string, db: string, batchSize: number | undefined): Document {
    const cursor = this.open.get(id);
    if (!cursor) throw new CommandError('CursorNotFound', `cursor id ${id} not found`);
    if (cursor.ns !== `${db}.${collection}` && !cursor.ns.startsWith(`${db}.$cmd`)) {
      throw new CommandError('BadValue', `Requested getMore on namespace '${db}.${collection}', but cursor belongs to '${cursor.ns}'`);
    }
    const batch = takeBatch(cursor.remaining, batchSize && batchSize > 0 ? batchSize : Number.MAX_SAFE_INTEGER);
    cursor.remaining = cursor.remaining.slice(batch.length);
    const done = cursor.remaining.length === 0;
    if (done) this.open.delete(id);
    return { cursor: { nextBatch: batch, id: Long.fromNumber(done ? 0 : id), ns: cursor.ns }, ok: 1 };
  }

  kill(ids: number[]): Document {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) (this.open.delete(id) ? killed : notFound).push(Long.fromNumber(id));
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }
}

function takeBatch(results: Document[], size: number): Document[] {
  const batch: Document[] = [];
  let bytes = 0;
  for (const doc of results) {
    if (batch.length >= size || (batch.length > 0 && bytes > MAX_BATCH_BYTES)) break;
    bytes += calculateObjectSize(doc);
    batch.push(doc);
  }
  return batch;
}

/** Reads a cursor id the driver sent (a promoted number or a Long). */
export function toCursorId(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Long.isLong(value)) return value.toNumber();
  throw new CommandError('TypeMismatch', 'cursor id must be a long');
}

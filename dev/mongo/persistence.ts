/**
 * Optional persistence for `npm start`: the whole store snapshotted as canonical Extended JSON.
 * A snapshot is written to a temporary file, flushed to disk, then renamed over the old one, so a
 * crash leaves either the previous snapshot or the new one, never half of one.
 */
import { EJSON, type Document } from 'bson';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './database.js';

const SNAPSHOT_FILE = 'snapshot.ejson';
/** Writes arriving within this window share one snapshot. */
const DEBOUNCE_MS = 50;

interface Snapshot {
  version: 1;
  databases: Record<string, Record<string, { options: Document; indexes: Document[]; documents: Document[] }>>;
}

/** Loads the snapshot in `dir`, if there is one, into an empty store. */
export async function loadSnapshot(dir: string, store: Store): Promise<void> {
  let text: string;
  try {
    text = await readFile(join(dir, SNAPSHOT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const snapshot = EJSON.parse(text, { relaxed: false }) as Snapshot;
  for (const [db, collections] of Object.entries(snapshot.databases)) {
    for (const [name, saved] of Object.entries(collections)) {
      const { collection } = store.getOrCreate(db, name, saved.options);
      for (const doc of saved.documents) collection.insert(doc);
      for (const spec of saved.indexes) if (spec.name !== '_id_') collection.createIndex(spec as never);
    }
  }
}

function takeSnapshot(store: Store): Snapshot {
  const databases: Snapshot['databases'] = {};
  for (const db of store.databaseNames()) {
    databases[db] = {};
    for (const c of store.collections(db)) {
      databases[db][c.name] = { options: c.options, indexes: c.listIndexes() as unknown as Document[], documents: c.allDocuments() };
    }
  }
  return { version: 1, databases };
}

/** Writes the snapshot atomically: temp file, fsync, rename. */
export async function writeSnapshot(dir: string, store: Store): Promise<void> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, SNAPSHOT_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(EJSON.stringify(takeSnapshot(store), { relaxed: false }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}

/** Snapshots `store` into `dir` shortly after every change; `flush` writes any pending change now. */
export function persistTo(dir: string, store: Store): { flush(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;
  const write = (): Promise<void> => {
    timer = undefined;
    if (!dirty) return writing;
    dirty = false;
    writing = writing.then(() => writeSnapshot(dir, store));
    return writing;
  };
  store.onChange = () => {
    dirty = true;
    timer ??= setTimeout(() => void write().catch((e) => console.error('dev mongo: snapshot failed', e)), DEBOUNCE_MS);
  };
  return {
    flush: () => {
      if (timer) clearTimeout(timer);
      return write();
    },
  };
}

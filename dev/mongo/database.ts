/**
 * The server's whole state: databases of collections. Persistence snapshots this; commands read
 * and write it. A `changed` hook lets persistence learn that a snapshot is due.
 */
import type { Document } from 'bson';
import { Collection } from './collection.js';
import { CommandError } from './errors.js';

export class Store {
  private readonly databases = new Map<string, Map<string, Collection>>();
  /** Called after every write; persistence debounces on it. */
  onChange: () => void = () => {};

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  /** The collection, or undefined if it does not exist (reads of a missing collection see nothing). */
  get(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created implicitly as MongoDB does on first write. */
  getOrCreate(db: string, name: string, options: Document = {}): { collection: Collection; created: boolean } {
    validateCollectionName(name);
    let collections = this.databases.get(db);
    if (!collections) this.databases.set(db, (collections = new Map()));
    const existing = collections.get(name);
    if (existing) return { collection: existing, created: false };
    const collection = new Collection(db, name, options);
    collections.set(name, collection);
    return { collection, created: true };
  }

  drop(db: string, name: string): boolean {
    return this.databases.get(db)?.delete(name) ?? false;
  }

  dropDatabase(db: string): void {
    this.databases.delete(db);
  }
}

function validateCollectionName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('$') || name.includes('\0')) {
    throw new CommandError('InvalidNamespace', `Invalid collection name: ${String(name)}`);
  }
}

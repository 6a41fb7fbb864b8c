/** A subgraph's SDL lives in a `.graphql` file beside its service, read once at start-up. */
import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';

/**
 * Reads and parses a schema file; a missing file or a syntax error stops start-up naming the file.
 * @example const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));
 */
export function loadTypeDefs(file: string | URL): DocumentNode {
  const text = readFileSync(file, 'utf8');
  try {
    return parse(text);
  } catch (error) {
    throw new Error(`${file instanceof URL ? file.pathname : file}: ${(error as Error).message}`);
  }
}

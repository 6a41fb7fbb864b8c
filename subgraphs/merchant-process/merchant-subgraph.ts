/**
 * How the platform finds and starts an in-repo merchant subgraph from config alone: the folder of its
 * schema file (named in supergraph.yaml) holds a `subgraph.ts` whose default export is the
 * `defineMerchantSubgraph(...)` below. The launcher's processes and the test system both start it so.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection } from 'mongoose';
import type { RunningHttpServer, ServerSpan } from '@identity-federation-gateway/subgraph-kit';
import type { Logger } from '../../platform/logger.js';

/** What the platform hands a merchant subgraph when it starts it. */
export interface MerchantSubgraphStart<TSeed> {
  merchantId: string;
  subgraphName: string;
  /** The subgraph's own database. */
  connection: Connection;
  /** The current secret shared with the gateway, then the previous one during a rotation. */
  identitySecret: string | readonly string[];
  /** Data a fresh database starts with (never overwriting what is there). */
  seed: TSeed;
  logger: Logger;
  host?: string;
  port?: number;
  /** The platform's OpenTelemetry server span, continuing the gateway's trace. */
  serverSpan?: ServerSpan;
}

export interface MerchantSubgraph<TSeed = unknown> {
  /** The database name when MONGODB_DB does not set one. */
  defaultDatabase: string;
  /** The development seed `npm start` and the tests use. */
  demoSeed: TSeed;
  start(options: MerchantSubgraphStart<TSeed>): Promise<RunningHttpServer>;
}

/** Typed identity for a merchant subgraph's `subgraph.ts` default export. */
export function defineMerchantSubgraph<TSeed>(subgraph: MerchantSubgraph<TSeed>): MerchantSubgraph<TSeed> {
  return subgraph;
}

/** The module, beside the schema file, that defines a merchant subgraph (compiled by `npm run build`: .js). */
export const MERCHANT_SUBGRAPH_MODULE = import.meta.url.endsWith('.js') ? 'subgraph.js' : 'subgraph.ts';

/** Imports the merchant subgraph whose schema file is `schemaFile`; the error names the file to write. */
export async function loadMerchantSubgraph(subgraphName: string, schemaFile: string): Promise<MerchantSubgraph> {
  const file = join(dirname(schemaFile), MERCHANT_SUBGRAPH_MODULE);
  if (!existsSync(file)) throw new Error(`the ${subgraphName} subgraph has no ${file} (a default export made with defineMerchantSubgraph)`);
  const module = (await import(pathToFileURL(file).href)) as { default?: Partial<MerchantSubgraph> };
  const subgraph = module.default;
  if (typeof subgraph?.start !== 'function' || typeof subgraph.defaultDatabase !== 'string') {
    throw new Error(`${file} must default-export defineMerchantSubgraph({ defaultDatabase, demoSeed, start })`);
  }
  return subgraph as MerchantSubgraph;
}

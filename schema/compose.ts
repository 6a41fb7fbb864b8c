/**
 * `npm run compose`: writes schema/supergraph.graphql from the subgraphs in schema/supergraph.yaml (which
 * must agree with the platform config), and the API schema clients read, schema/api.graphql.
 * `npm run compose -- --check` fails (exit 1) when either committed file is stale, for CI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlatformConfig } from '../platform/config/platform-config.js';
import { readEnvironment } from '../platform/env.js';
import { API_SCHEMA_PATH, apiSchemaOf } from './api-schema.js';
import { composeSupergraph } from './compose-supergraph.js';
import { checkAgainstPlatform, loadSupergraphConfig, readSubgraphSchemas } from './supergraph-config.js';

export const SUPERGRAPH_PATH = fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

const env = readEnvironment();
const sources = loadSupergraphConfig();
checkAgainstPlatform(sources, loadPlatformConfig(env.PLATFORM_CONFIG));
const supergraph = composeSupergraph(readSubgraphSchemas(sources));
const outputs: [string, string][] = [
  [SUPERGRAPH_PATH, supergraph],
  [API_SCHEMA_PATH, apiSchemaOf(supergraph)],
];
const check = process.argv.includes('--check');
let stale = false;
for (const [path, content] of outputs) {
  const name = relative(process.cwd(), path);
  if (!check) {
    writeFileSync(path, content);
    console.log(`wrote ${name}`);
  } else if (readFileSync(path, 'utf8') !== content) {
    console.error(`${name} is stale: run \`npm run compose\` and commit the result.`);
    stale = true;
  } else console.log(`${name} is up to date.`);
}
if (stale) process.exit(1);

/**
 * `npm run compose`: writes schema/supergraph.graphql from the subgraphs in schema/supergraph.yaml (which
 * must agree with the platform config).
 * `npm run compose -- --check` fails (exit 1) when the committed file is stale, for CI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPlatformConfig } from '../platform/config/platform-config.js';
import { readEnvironment } from '../platform/env.js';
import { composeSupergraph } from './compose-supergraph.js';
import { checkAgainstPlatform, loadSupergraphConfig, readSubgraphSchemas } from './supergraph-config.js';

export const SUPERGRAPH_PATH = fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

const env = readEnvironment();
const sources = loadSupergraphConfig();
checkAgainstPlatform(sources, loadPlatformConfig(env.PLATFORM_CONFIG));
const supergraph = composeSupergraph(readSubgraphSchemas(sources));
if (process.argv.includes('--check')) {
  const committed = readFileSync(SUPERGRAPH_PATH, 'utf8');
  if (committed !== supergraph) {
    console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit the result.');
    process.exit(1);
  }
  console.log('schema/supergraph.graphql is up to date.');
} else {
  writeFileSync(SUPERGRAPH_PATH, supergraph);
  console.log(`wrote ${SUPERGRAPH_PATH}`);
}

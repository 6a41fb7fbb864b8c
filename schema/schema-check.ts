/**
 * `npm run schema:check`: would this subgraph change compose, what does it change for clients, and does
 * it break an operation the mini-program sends? Like `rover subgraph check`, locally.
 *
 *   npm run schema:check                                                    # the working tree vs the committed supergraph
 *   npm run schema:check -- --subgraph coupons --schema proposed.graphql    # one proposed subgraph SDL
 *
 * Options: `--operations <glob>` and `--manifest <glob>` (repeatable) replace where client operations
 * are read from; `--base <supergraph file>` replaces the committed supergraph; `--json` prints the
 * report as JSON. Exit code 0: pass; 1: the check failed; 2: bad arguments or unreadable input.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPlatformConfig } from '../platform/config/platform-config.js';
import { readEnvironment } from '../platform/env.js';
import { checkSchema } from './check/check-schema.js';
import { MINI_PROGRAM_OPERATIONS } from './check/client-operations.js';
import { formatReport } from './check/report-text.js';
import { workingTreeSubgraphs, type SubgraphSource } from './subgraph-sources.js';

function usage(message: string): never {
  console.error(
    `schema:check: ${message}\nusage: npm run schema:check -- [--subgraph <name> --schema <file>] [--operations <glob>]... [--manifest <glob>]... [--base <supergraph>] [--json]`,
  );
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      subgraph: { type: 'string' },
      schema: { type: 'string' },
      url: { type: 'string' },
      operations: { type: 'string', multiple: true },
      manifest: { type: 'string', multiple: true },
      base: { type: 'string', default: 'schema/supergraph.graphql' },
      json: { type: 'boolean', default: false },
    },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
if ((args.subgraph === undefined) !== (args.schema === undefined)) usage('--subgraph and --schema go together');

const read = (file: string, what: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return usage(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
};

try {
  const subgraphs = workingTreeSubgraphs(loadPlatformConfig(readEnvironment().PLATFORM_CONFIG));
  let proposal: SubgraphSource | undefined;
  if (args.subgraph && args.schema) {
    const current = subgraphs.find((s) => s.name === args.subgraph);
    const url = args.url ?? current?.url ?? `http://127.0.0.1/${args.subgraph}/graphql`;
    proposal = { name: args.subgraph, url, sdl: read(args.schema, 'proposed schema'), origin: args.schema };
  }
  const report = await checkSchema({
    subgraphs,
    proposal,
    baseSupergraphSdl: read(args.base, 'base supergraph'),
    operations: {
      operationGlobs: args.operations ?? MINI_PROGRAM_OPERATIONS.operationGlobs,
      manifestGlobs: args.manifest ?? MINI_PROGRAM_OPERATIONS.manifestGlobs,
      cwd: process.cwd(),
    },
  });
  const title = proposal
    ? `Checking subgraph "${proposal.name}" (${proposal.origin}) against ${args.base}`
    : `Checking the working tree's subgraphs against ${args.base}`;
  console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report, title));
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  console.error(`schema:check: ${(error as Error).message}`);
  process.exitCode = 2;
}

/**
 * `npm run schema:check`: would this subgraph change compose, what does it change for clients, and does
 * it break an operation the mini-program sends? Like `rover subgraph check`, locally.
 *
 *   npm run schema:check                                                    # the working tree vs the committed supergraph
 *   npm run schema:check -- --subgraph coupons --schema proposed.graphql    # one proposed subgraph SDL
 *
 * `--help` lists every flag (schema/check/check-arguments.ts reads them). A `--subgraph` the working tree
 * does not have is refused before anything else, naming the closest one; `--new` checks an addition.
 * Exit code 0: pass; 1: the check failed; 2: bad arguments or unreadable input.
 */
import { readFileSync } from 'node:fs';
import { loadPlatformConfig } from '../platform/config/platform-config.js';
import { readEnvironment } from '../platform/env.js';
import { CheckUsageError, HELP, USAGE, parseCheckArguments, type CheckArguments } from './check/check-arguments.js';
import { checkSchema } from './check/check-schema.js';
import { MINI_PROGRAM_OPERATIONS } from './check/client-operations.js';
import { formatReport } from './check/report-text.js';
import { workingTreeSubgraphs, type SubgraphSource } from './subgraph-sources.js';
import { loadSupergraphConfig } from './supergraph-config.js';

function usage(message: string): never {
  console.error(`schema:check: ${message}\n${USAGE}\n(npm run schema:check -- --help explains every flag)`);
  process.exit(2);
}

let parsed: CheckArguments | 'help';
try {
  // The subgraph names come from schema/supergraph.yaml, which workingTreeSubgraphs reads too.
  parsed = parseCheckArguments(process.argv.slice(2), () => loadSupergraphConfig().subgraphs.map((s) => s.name));
} catch (error) {
  if (error instanceof CheckUsageError) usage(error.message);
  console.error(`schema:check: ${(error as Error).message}`);
  process.exit(2);
}
if (parsed === 'help') {
  console.log(HELP);
  process.exit(0);
}
const args = parsed;

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
  if (args.proposal) {
    const { subgraph, schemaFile } = args.proposal;
    const url = args.proposal.url ?? subgraphs.find((s) => s.name === subgraph)?.url ?? `http://127.0.0.1/${subgraph}/graphql`;
    proposal = { name: subgraph, url, sdl: read(schemaFile, 'proposed schema'), origin: schemaFile };
  }
  const report = await checkSchema({
    subgraphs,
    proposal,
    baseSupergraphSdl: read(args.baseFile, 'base supergraph'),
    operations: {
      operationGlobs: args.operationGlobs ?? MINI_PROGRAM_OPERATIONS.operationGlobs,
      manifestGlobs: args.manifestGlobs ?? MINI_PROGRAM_OPERATIONS.manifestGlobs,
      cwd: process.cwd(),
    },
  });
  const title = proposal
    ? `Checking subgraph "${proposal.name}" (${proposal.origin}) against ${args.baseFile}`
    : `Checking the working tree's subgraphs against ${args.baseFile}`;
  console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report, title));
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  console.error(`schema:check: ${(error as Error).message}`);
  process.exitCode = 2;
}

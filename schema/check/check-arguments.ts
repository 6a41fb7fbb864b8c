/**
 * `schema:check`'s command line, read once into a typed request (or help, or a usage error that says
 * what to change). A subgraph name the working tree does not have is refused here, before any file is
 * read or composed: a typo would otherwise be checked as a new subgraph and pass.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName, isLikelyTypo } from './closest-name.js';

/** What to check, as the command line asked. */
export interface CheckArguments {
  /** The proposed SDL of one subgraph; absent: check the working tree as it is. */
  proposal?: {
    subgraph: string;
    schemaFile: string;
    /** Its routing URL when not the one the platform config gives it. */
    url?: string;
    /** Whether it is a subgraph the platform does not have yet (`--new`). */
    isNew: boolean;
  };
  /** Globs replacing where client operations are read from; absent: the mini-program's defaults. */
  operationGlobs?: string[];
  manifestGlobs?: string[];
  /** The supergraph clients run against today. */
  baseFile: string;
  json: boolean;
}

/** A bad command line; the message says what to change. */
export class CheckUsageError extends Error {}

export const DEFAULT_BASE = 'schema/supergraph.graphql';

/** Every flag `schema:check` takes (`--help` describes each). */
export const CHECK_OPTIONS = {
  subgraph: { type: 'string' },
  schema: { type: 'string' },
  new: { type: 'boolean', default: false },
  url: { type: 'string' },
  operations: { type: 'string', multiple: true },
  manifest: { type: 'string', multiple: true },
  base: { type: 'string', default: DEFAULT_BASE },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export const USAGE =
  'usage: npm run schema:check -- [--subgraph <name> --schema <file> [--new] [--url <url>]] [--operations <glob>]... [--manifest <glob>]... [--base <supergraph>] [--json]';

/** Every flag, what it does, examples and exit codes (`--help`). */
export const HELP = `npm run schema:check: would this subgraph change compose, what does it change for clients, and does it
break an operation the mini-program sends? Like \`rover subgraph check\`, locally.

${USAGE}

  --subgraph <name>      the subgraph whose SDL you propose to change (one of schema/supergraph.yaml)
  --schema <file>        the proposed SDL of that subgraph (required with --subgraph)
  --new                  the subgraph is not in the platform yet: check it as an addition
  --url <url>            the proposed subgraph's routing URL (default: its URL in the platform config)
  --operations <glob>    .graphql operation files to check, instead of the mini-program's (repeatable)
  --manifest <glob>      persisted-documents manifests to check, instead of the mini-program's (repeatable)
  --base <file>          the supergraph clients run against today (default ${DEFAULT_BASE})
  --json                 print the report as JSON, for CI systems
  -h, --help             this text

Without --subgraph, the working tree's subgraphs are checked against the base supergraph.

examples:
  npm run schema:check
  npm run schema:check -- --subgraph coupons --schema coupons.proposed.graphql
  npm run schema:check -- --subgraph teashop --schema teashop.graphql --new --url http://127.0.0.1:5050/graphql

exit codes: 0 pass; 1 the check failed (no composition, or a broken operation); 2 bad arguments or unreadable input`;

/**
 * Reads `argv` (without node and the script). `knownSubgraphs` is asked only when `--subgraph` is given,
 * so help and a bad flag need no file.
 */
export function parseCheckArguments(argv: string[], knownSubgraphs: () => readonly string[]): CheckArguments | 'help' {
  let values;
  try {
    values = parseArgs({ args: argv, options: CHECK_OPTIONS }).values;
  } catch (error) {
    throw new CheckUsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const { subgraph, schema, url } = values;
  if (subgraph !== undefined) checkSubgraphName(subgraph, values.new, knownSubgraphs());
  if ((subgraph === undefined) !== (schema === undefined)) throw new CheckUsageError('--subgraph and --schema go together');
  if (subgraph === undefined && (values.new || url !== undefined))
    throw new CheckUsageError('--new and --url describe a proposed subgraph: give --subgraph and --schema too');
  if (url !== undefined && !URL.canParse(url)) throw new CheckUsageError(`--url ${url} is not a URL`);
  return {
    proposal: subgraph !== undefined && schema !== undefined ? { subgraph, schemaFile: schema, url, isNew: values.new } : undefined,
    operationGlobs: values.operations,
    manifestGlobs: values.manifest,
    baseFile: values.base,
    json: values.json,
  };
}

/** A known name without `--new`, or a new one with it; anything else is refused, naming the closest known subgraph. */
function checkSubgraphName(name: string, isNew: boolean, known: readonly string[]): void {
  const exists = known.includes(name);
  if (exists && isNew) throw new CheckUsageError(`--new: "${name}" is already a subgraph of the platform; leave --new out to check a change to it`);
  if (exists || isNew) return;
  const closest = closestName(name, known);
  const suggestion = closest ? (isLikelyTypo(closest.distance, name.length) ? `did you mean ${closest.name}? ` : `the closest is ${closest.name}. `) : '';
  throw new CheckUsageError(
    `there is no subgraph "${name}": ${suggestion}(subgraphs: ${known.join(', ')}; to check a subgraph the platform does not have yet, add --new)`,
  );
}

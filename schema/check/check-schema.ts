/**
 * `schema:check` as a function: composition of a proposed subgraph SDL with every other subgraph, the
 * changes to the API schema against a base supergraph (directive applications clients feel included), the
 * client operations those changes break, and the query-planner patterns the change brings in. Like
 * `rover subgraph check`, a breaking change no operation uses is a warning; one that breaks an operation
 * fails the check. A planner pattern is a warning too: the schema is valid, the gateway plans it wrongly.
 */
import { newPlannerWarnings, type PlannerWarning } from '../planner-warnings/planner-warnings.js';
import { readSupergraph } from '../read-supergraph.js';
import type { SubgraphSource } from '../subgraph-sources.js';
import { loadClientOperations, type OperationSources } from './client-operations.js';
import { apiSchemaOf, composeSubgraphs, withSubgraph, type CompositionIssue } from './composition.js';
import { directiveChanges, isReportedByDirectiveChanges } from './directive-changes.js';
import { checkOperations, type BrokenOperation } from './operation-checks.js';
import { apiChanges, byLevel, type SchemaChange } from './schema-changes.js';

export interface SchemaCheckOptions {
  /** The working tree's subgraphs. */
  subgraphs: SubgraphSource[];
  /** The proposed SDL of one subgraph (replacing it, or added); absent: check the working tree as it is. */
  proposal?: SubgraphSource;
  /** The supergraph clients run against today (the committed schema/supergraph.graphql). */
  baseSupergraphSdl: string;
  operations: OperationSources;
}

/** A change to the API schema and the operations that use what it changed. */
export interface ReportedChange extends SchemaChange {
  usedBy: string[];
}

/** Everything the check found; `--json` prints exactly this. */
export interface SchemaCheckReport {
  ok: boolean;
  /** The subgraph checked; absent when the whole working tree was. */
  subgraph?: string;
  composition: { ok: boolean; errors: CompositionIssue[] };
  changes: ReportedChange[];
  operations: { checked: number; broken: BrokenOperation[] };
  warnings: string[];
  /** Patterns @apollo/query-planner plans wrongly that the proposed supergraph has and the base does not (they do not fail the check). */
  plannerWarnings: PlannerWarning[];
  notices: string[];
}

/** Runs the three checks; never throws for what it finds (that is the report), only for unreadable operation sources. */
export async function checkSchema(options: SchemaCheckOptions): Promise<SchemaCheckReport> {
  const subgraphs = options.proposal ? withSubgraph(options.subgraphs, options.proposal) : options.subgraphs;
  const notices: string[] = [];
  if (options.proposal && !options.subgraphs.some((s) => s.name === options.proposal!.name))
    notices.push(`subgraph "${options.proposal.name}" is not in the platform config: checked as a new subgraph`);
  const loaded = loadClientOperations(options.operations);
  notices.push(...loaded.notices);
  const base = { ok: false, subgraph: options.proposal?.name, notices };
  const composed = composeSubgraphs(subgraphs);
  if (!composed.ok) return { ...base, composition: composed, changes: [], operations: { checked: 0, broken: [] }, warnings: [], plannerWarnings: [] };

  const before = apiSchemaOf(options.baseSupergraphSdl);
  const [baseSupergraph, proposedSupergraph] = [readSupergraph(options.baseSupergraphSdl), readSupergraph(composed.supergraphSdl)];
  const inspected = (await apiChanges(before, composed.apiSchema)).filter((change) => !isReportedByDirectiveChanges(change));
  const changes = byLevel([...inspected, ...directiveChanges(baseSupergraph, proposedSupergraph)]);
  const { broken, usedBy } = checkOperations(before, composed.apiSchema, changes, loaded.operations);
  const reported = changes.map((change) => ({ ...change, usedBy: usedBy.get(change) ?? [] }));
  const warnings = reported
    .filter((c) => c.level !== 'safe' && c.usedBy.length === 0)
    .map((c) => `${c.level} change used by no registered operation: ${c.message}`);
  return {
    ...base,
    ok: broken.length === 0,
    composition: { ok: true, errors: [] },
    changes: reported,
    operations: { checked: loaded.operations.length, broken },
    warnings,
    plannerWarnings: newPlannerWarnings(baseSupergraph, proposedSupergraph),
  };
}

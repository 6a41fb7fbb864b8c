/**
 * Demand control: every operation's cost is estimated before it runs, from the `@cost` and `@listSize`
 * annotations the supergraph carries (IBM's cost spec, with Apollo Router's defaults where a type or field
 * is not annotated: gateway/cost/). In `enforce` mode an operation estimated over the maximum is refused
 * here, 400 COST_ESTIMATED_TOO_EXPENSIVE, before any subgraph is fetched (and before the viewer's token is
 * verified: a refusal costs nothing); in `measure` mode it runs. Either way the estimate is recorded, and
 * so is the actual cost of what ran (the same model over the result's real list sizes), so operators can
 * pick a budget from real traffic before enforcing one.
 *
 * An estimate is computed once per operation of a cached document (the document cache parses each sha256
 * once: so once per document hash and operation name, a persisted document's once) and supergraph, and
 * again only for the values of the few variables it reads (slicing arguments such as `first`, costed input
 * values). The actual cost walks the result object Apollo built (no JSON is parsed): about half as long as
 * serialising it, so every result is costed, none sampled. A subscription started on a socket is estimated
 * here like any request (its events are not costed).
 */
import type { GraphQLRequestListener } from '@apollo/server';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { Counter, Histogram, type Registry } from 'prom-client';
import { scrapedCounter } from '../../platform/metrics-counter.js';
import { costIndex, type CostIndex } from '../cost/cost-index.js';
import { actualCost, estimateCost, type Estimate, type Variables } from '../cost/operation-cost.js';
import { defineFeature, type GatewayFeature } from '../pipeline/feature.js';
import { GraphQLRefusal } from '../pipeline/refusal.js';

export type DemandControlMode = 'off' | 'measure' | 'enforce';

export interface DemandControlOptions {
  /** `off`: nothing estimated; `measure`: estimated and recorded; `enforce`: also refused over `maxCost`. @default 'measure' */
  mode: DemandControlMode;
  /** The highest estimated cost an operation may have in `enforce` mode. @default 1000 */
  maxCost: number;
  /** The size assumed for a list no `@listSize` sizes. @default 10 */
  listSize: number;
}

/**
 * Apollo Router's documented example (list size 10, maximum 1000). The example mini-program's heaviest
 * operation, its home page, estimates 62 at list size 10; 1000 refuses three levels of unannotated lists
 * of objects (10 × (1 + 10 × (1 + 10 × 1)) = 1110) while leaving pages room to grow.
 */
export const DEFAULT_DEMAND_CONTROL: DemandControlOptions = { mode: 'measure', maxCost: 1000, listSize: 10 };

export const COST_TOO_EXPENSIVE = 'COST_ESTIMATED_TOO_EXPENSIVE';
export const SLICING_ARGUMENT_REQUIRED = 'COST_SLICING_ARGUMENT_REQUIRED';

/** Costs recorded, from 1 (one object) to far past any budget. */
const COST_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 100_000];
/** Estimates of one operation for different values of the variables it reads, kept at most. */
const MAX_VARIABLE_ESTIMATES = 32;
/** A variable key longer than this (a long list of inputs) is estimated every time, never kept. */
const MAX_VARIABLE_KEY_CHARS = 1024;

export interface DemandControlStats {
  /** Estimates computed (each cached operation once per supergraph, plus variable-dependent ones). */
  readonly computed: number;
}

export interface DemandControl {
  feature: GatewayFeature;
  /** Reads a new supergraph's costs (from Apollo Gateway's `onSchemaLoadOrUpdate`). */
  supergraphLoaded(coreSupergraphSdl: string): void;
  stats: DemandControlStats;
}

/** An operation's estimate, or (when it reads variables) its estimates by those variables' values. */
interface CachedEstimate {
  reads: readonly string[];
  fixed: Estimate | undefined;
  byValues: Map<string, Estimate>;
}

/** The supergraph served now and the estimates made against it (by operation of a cached document). */
interface Costs {
  index: CostIndex;
  estimates: WeakMap<OperationDefinitionNode, CachedEstimate>;
}

export function demandControl(settings: Partial<DemandControlOptions> | undefined, registry: Registry): DemandControl {
  const options = { ...DEFAULT_DEMAND_CONTROL, ...settings };
  const stats = { computed: 0 };
  let costs: Costs | undefined;
  const supergraphLoaded = (sdl: string) => void (costs = { index: costIndex(sdl), estimates: new WeakMap() });
  if (options.mode === 'off') return { feature: defineFeature({ name: 'demand-control' }), supergraphLoaded: () => {}, stats };

  const histogram = (name: string, help: string) => new Histogram({ name, help, labelNames: ['operation'], buckets: COST_BUCKETS, registers: [registry] });
  const estimated = histogram('gateway_operation_cost_estimated', 'Estimated cost of each operation asked, by operation type (refused ones included)');
  const actual = histogram('gateway_operation_cost_actual', 'Actual cost of each operation executed (the estimate over its result), by operation type');
  const refused = new Counter({
    name: 'gateway_operation_cost_refused_total',
    help: 'Operations refused for their estimated cost (enforce mode), by operation type',
    labelNames: ['operation'],
    registers: [registry],
  });
  scrapedCounter(registry, 'gateway_operation_cost_computed_total', 'Operation cost estimates computed (not found cached)', () => stats.computed);

  const estimateOf = (current: Costs, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables): Estimate => {
    let cached = current.estimates.get(operation);
    if (cached?.fixed) return cached.fixed;
    const key = cached && valuesKey(cached.reads, variables);
    const known = key === undefined ? undefined : cached!.byValues.get(key);
    if (known) return known;
    stats.computed++;
    const estimate = estimateCost(current.index, document, operation, variables, options.listSize);
    if (!cached) {
      // Which variables an estimate reads depends on the document alone: the first estimate says for all.
      cached = { reads: estimate.reads, fixed: estimate.reads.length ? undefined : estimate, byValues: new Map() };
      current.estimates.set(operation, cached);
      if (cached.fixed) return estimate;
    }
    const values = key ?? valuesKey(cached.reads, variables);
    if (values.length <= MAX_VARIABLE_KEY_CHARS) {
      if (cached.byValues.size >= MAX_VARIABLE_ESTIMATES) cached.byValues.clear();
      cached.byValues.set(values, estimate);
    }
    return estimate;
  };

  const listener: GraphQLRequestListener<never> = {
    async willSendResponse({ document, operation, request, response }) {
      const current = costs;
      const data = response.body.kind === 'single' ? response.body.singleResult.data : undefined;
      if (!current || !document || !operation || !data) return;
      actual.observe({ operation: operation.operation }, actualCost(current.index, document, operation, request.variables, data));
    },
  };

  const feature = defineFeature({
    name: 'demand-control',
    needs: ['params', 'operation'],
    admit(request) {
      const current = costs;
      // No supergraph loaded yet: Apollo Server, not started either, answers.
      if (!current) return;
      const { document, operation } = request.operation;
      const type = operation.operation;
      const { cost, slicingViolation } = estimateOf(current, document, operation, request.params.variables);
      estimated.observe({ operation: type }, cost);
      if (options.mode !== 'enforce') return;
      if (slicingViolation) {
        refused.inc({ operation: type });
        const message = `${slicingViolation} needs exactly one of its slicing arguments for its cost to be estimated.`;
        throw new GraphQLRefusal(400, SLICING_ARGUMENT_REQUIRED, [{ message, extensions: { code: SLICING_ARGUMENT_REQUIRED, field: slicingViolation } }]);
      }
      if (cost <= options.maxCost) return;
      refused.inc({ operation: type });
      const message = `The operation's estimated cost, ${cost}, is over the gateway's maximum of ${options.maxCost}.`;
      throw new GraphQLRefusal(400, COST_TOO_EXPENSIVE, [{ message, extensions: { code: COST_TOO_EXPENSIVE, estimatedCost: cost, maxCost: options.maxCost } }]);
    },
    apollo: { requestDidStart: async () => listener },
  });
  return { feature, supergraphLoaded, stats };
}

/** The values of `reads` in `variables` (an absent variable apart from null: its default applies). */
const valuesKey = (reads: readonly string[], variables: Variables) =>
  JSON.stringify(reads.map((name) => (variables && Object.hasOwn(variables, name) ? [variables[name]] : [])));

/**
 * What a planner-warning detector reports: a pattern in a supergraph that @apollo/query-planner (the
 * planner inside @apollo/gateway, so inside this gateway) plans wrongly, as graphql-hive's federation
 * gateway audit (https://github.com/graphql-hive/federation-gateway-audit) shows it.
 */
import type { Supergraph } from '@apollo/federation-internals';

/** The patterns, one detector module each. */
export type PlannerPattern =
  'REQUIRES_REENTRY_KEY_NOT_RESOLVABLE' | 'INTERFACE_WITHOUT_IMPLEMENTATIONS' | 'REQUIRES_FIELD_WITH_ARGUMENTS' | 'REQUIRES_ARGUMENTS_CONFLICT';

/** One occurrence of a pattern. */
export interface PlannerWarning {
  pattern: PlannerPattern;
  /** The audit's test suite that shows the planner getting this pattern wrong. */
  auditSuite: string;
  /** The subgraphs whose schemas make the pattern. */
  subgraphs: string[];
  /** The types and fields involved (schema coordinates, e.g. `A.nameInB`). */
  coordinates: string[];
  /** The pattern, where it is, what goes wrong at run time and what to do instead. */
  message: string;
}

/** Finds every occurrence of one pattern in a supergraph. */
export type PlannerPatternDetector = (supergraph: Supergraph) => PlannerWarning[];

/** The same occurrence in two supergraphs has the same key. */
export const warningKey = (warning: PlannerWarning): string => [warning.pattern, warning.subgraphs.join(','), warning.coordinates.join(',')].join('|');

/** `a`, `a and b`, `a, b and c` (or `or`). */
export function listing(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}

/** Subgraph names as messages write them: `"coupons"`, `subgraphs "a" and "b"`. */
export function subgraphsNamed(names: readonly string[]): string {
  return `${names.length === 1 ? 'subgraph' : 'subgraphs'} ${listing(names.map((name) => `"${name}"`))}`;
}

/**
 * Patterns @apollo/query-planner plans wrongly, in a proposed supergraph and not in the base one: what
 * `schema:check` warns a merchant team about. Each detector is its own module; until the planner is fixed,
 * a change that brings one of these patterns in passes with the warning, naming what goes wrong.
 */
import type { Supergraph } from '@apollo/federation-internals';
import { interfaceWithoutImplementations } from './interface-without-implementations.js';
import { warningKey, type PlannerPatternDetector, type PlannerWarning } from './planner-warning.js';
import { requiresArgumentsConflict } from './requires-arguments-conflict.js';
import { requiresFieldWithArguments } from './requires-field-arguments.js';
import { requiresReentryKeyNotResolvable } from './requires-reentry-key.js';

export type { PlannerPattern, PlannerWarning } from './planner-warning.js';

/** Every detector, in the order their warnings are listed. */
export const PLANNER_PATTERN_DETECTORS: readonly PlannerPatternDetector[] = [
  requiresReentryKeyNotResolvable,
  interfaceWithoutImplementations,
  requiresFieldWithArguments,
  requiresArgumentsConflict,
];

/** Every occurrence of every pattern in `supergraph`. */
export function plannerWarnings(supergraph: Supergraph): PlannerWarning[] {
  return PLANNER_PATTERN_DETECTORS.flatMap((detect) => detect(supergraph));
}

/** The occurrences in `proposed` that `base` does not have: what the change brings in. */
export function newPlannerWarnings(base: Supergraph, proposed: Supergraph): PlannerWarning[] {
  const known = new Set(plannerWarnings(base).map(warningKey));
  return plannerWarnings(proposed).filter((warning) => !known.has(warningKey(warning)));
}

/**
 * Two `@requires` of one entity type selecting the same field with different arguments (the audit's
 * `requires-with-argument-conflict`).
 *
 * The query planner fetches what the requiring fields need in one fetch, each required field under its
 * plain name, so the two selections merge and one argument set wins: a query selecting both requiring
 * fields gets both computed from the same value (`shippingEstimate` from the EUR price, like
 * `shippingEstimateEUR`), silently. It holds across subgraphs too: the requiring fields may live in two.
 */
import { describeRequiredBy, fieldsRequiredWithArguments } from './required-selections.js';
import { listing, subgraphsNamed, type PlannerPatternDetector } from './planner-warning.js';

/** Finds each field that two `@requires` of a type select with different arguments. */
export const requiresArgumentsConflict: PlannerPatternDetector = (supergraph) =>
  fieldsRequiredWithArguments(supergraph)
    .filter((field) => new Set(field.requiredBy.map((r) => r.field)).size > 1)
    .map((field) => {
      const { requiring, subgraphs, how, path } = describeRequiredBy(field);
      return {
        pattern: 'REQUIRES_ARGUMENTS_CONFLICT' as const,
        auditSuite: 'requires-with-argument-conflict',
        subgraphs,
        coordinates: [field.coordinate, ...requiring],
        message:
          `${listing(requiring)} require ${path} with different arguments: ${how} (${subgraphsNamed(subgraphs)}). ` +
          `Queries selecting more than one of them get them all computed from one of those values, without an error: ` +
          `the query planner fetches ${path} once for all of them, with one argument set. ` +
          `Require a differently named field per argument set (e.g. one field per currency) instead of one field with arguments.`,
      };
    });

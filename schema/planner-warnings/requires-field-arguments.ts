/**
 * A `@requires` selecting a field with arguments that clients can select too (the audit's
 * `requires-with-argument`, tests 3-5).
 *
 * The query planner adds what a field `@requires` to the fetch that also carries the client's own
 * selections, under the field's plain name: a client selection of the same field, unaliased and with
 * other arguments, merges with it into one, and one argument set wins. Either the client gets the value
 * for the `@requires`' arguments (`comments(limit: 3)` answered where it asked `comments(limit: 1)`), or
 * the requiring field is computed from the client's arguments. Aliasing the field in the operation keeps
 * the two apart.
 */
import { describeRequiredBy, fieldsRequiredWithArguments } from './required-selections.js';
import { listing, subgraphsNamed, type PlannerPatternDetector } from './planner-warning.js';

/** Finds each client-visible field some `@requires` select with arguments. */
export const requiresFieldWithArguments: PlannerPatternDetector = (supergraph) =>
  fieldsRequiredWithArguments(supergraph)
    .filter((field) => field.visible)
    .map((field) => {
      const { requiring, subgraphs, how, path } = describeRequiredBy(field);
      return {
        pattern: 'REQUIRES_FIELD_WITH_ARGUMENTS' as const,
        auditSuite: 'requires-with-argument',
        subgraphs,
        coordinates: [field.coordinate, ...requiring],
        message:
          `@requires selects ${field.coordinate} with arguments: ${how} (${subgraphsNamed(subgraphs)}). ` +
          `A query selecting ${path} itself, unaliased and with other arguments, beside ${listing(requiring, 'or')} gets one answer for both: ` +
          `the query planner merges the two selections of ${path} into one, so the client receives the value for the @requires' arguments ` +
          `(${listing(
            field.requiredBy.map((r) => r.field),
            'or',
          )}), or the requiring field is computed from the client's arguments. ` +
          `Alias ${path} in such operations, or @requires a field without arguments.`,
      };
    });

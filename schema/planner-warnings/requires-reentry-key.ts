/**
 * `@requires` (or `@fromContext`) on an entity whose first locally satisfiable `@key` in that subgraph is
 * declared `resolvable: false` (the audit's `keys-mashup`).
 *
 * After fetching what a field `@requires` from other subgraphs, the query planner sends the entity back to
 * the requiring subgraph by "the first key of the type in that subgraph that selects no `@external`
 * field" (query-graphs' `getLocallySatisfiableKey`), without looking at `resolvable`. When that key is
 * one the subgraph does not resolve by, its reference resolver gets a representation without the fields
 * of the key it does resolve by, finds nothing, and the field answers null (its parent too, up to the
 * nearest nullable field, when it is non-null). A key whose fields include a resolvable key's is harmless:
 * the representation then carries that key too.
 */
import {
  isFederationDirectiveDefinedInSchema,
  isInterfaceType,
  isObjectType,
  parseFieldSetArgument,
  type Directive,
  type InterfaceType,
  type ObjectType,
} from '@apollo/federation-internals';
import { listing, type PlannerPatternDetector, type PlannerWarning } from './planner-warning.js';

/** Finds each entity type, per subgraph, that re-enters that subgraph by a key it does not resolve by. */
export const requiresReentryKeyNotResolvable: PlannerPatternDetector = (supergraph) => {
  const warnings: PlannerWarning[] = [];
  for (const subgraph of supergraph.subgraphs()) {
    const metadata = subgraph.metadata();
    const requires = metadata.requiresDirective();
    // Only defined in subgraphs on Federation 2.8 and later.
    const fromContext = metadata.fromContextDirective();
    const isContextual = (argument: { hasAppliedDirective(definition: string): boolean }) =>
      isFederationDirectiveDefinedInSchema(fromContext) && argument.hasAppliedDirective(fromContext.name);
    for (const type of subgraph.schema.types()) {
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const requiring = type.fields().filter((field) => field.hasAppliedDirective(requires) || field.arguments().some(isContextual));
      if (requiring.length === 0) continue;
      const keys = type.appliedDirectivesOf(metadata.keyDirective()).map((key) => keyOf(type, key));
      const reentry = keys.find((key) => !metadata.selectionSelectsAnyExternalField(key.selection));
      if (!reentry || reentry.resolvable) continue;
      const resolvable = keys.filter((key) => key.resolvable);
      if (resolvable.some((key) => reentry.selection.contains(key.selection))) continue;
      const fields = requiring.map((field) => field.coordinate);
      const uses = requiring.some((field) => field.hasAppliedDirective(requires)) ? '@requires' : '@fromContext';
      const instead =
        resolvable.length > 0
          ? `instead of by ${listing(
              resolvable.map((key) => `"${key.fields}"`),
              'or',
            )}, the key${resolvable.length === 1 ? '' : 's'} "${subgraph.name}" resolves ${type.name} by`
          : `although "${subgraph.name}" declares no resolvable key of ${type.name}`;
      warnings.push({
        pattern: 'REQUIRES_REENTRY_KEY_NOT_RESOLVABLE',
        auditSuite: 'keys-mashup',
        subgraphs: [subgraph.name],
        coordinates: [type.name, ...fields],
        message:
          `${listing(fields)} (subgraph "${subgraph.name}") ${fields.length === 1 ? 'uses' : 'use'} ${uses}, and the first @key of ${type.name} ` +
          `in "${subgraph.name}" that selects no @external field is "${reentry.fields}", declared resolvable: false. ` +
          `Queries selecting ${listing(fields)} get null for ${fields.length === 1 ? 'it' : 'them'} (and for the parent, when non-null): ` +
          `after fetching the required fields, the query planner sends the ${type.name} back to "${subgraph.name}" by that key ` +
          `${instead}, so its reference resolver cannot find the entity. ` +
          `Declare a resolvable key of ${type.name} first in "${subgraph.name}".`,
      });
    }
  }
  return warnings;
};

function keyOf(type: ObjectType | InterfaceType, key: Directive<ObjectType | InterfaceType, { fields: string; resolvable?: boolean }>) {
  const args = key.arguments();
  return { fields: args.fields, resolvable: args.resolvable ?? true, selection: parseFieldSetArgument({ parentType: type, directive: key }) };
}

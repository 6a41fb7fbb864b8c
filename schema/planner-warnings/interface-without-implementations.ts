/**
 * An interface no object type implements anywhere in the supergraph (only `@interfaceObject`s stand in
 * for it), whose fields some subgraph returning it does not all define (the audit's
 * `non-resolvable-interface-object`, test 2).
 *
 * The query planner plans an abstract type by its possible object types; with none, a selected field the
 * subgraph at hand does not define has nowhere to be fetched from. Where that subgraph defines the
 * interface, the planner silently plans nothing for the selection: no fetch at all, not even to that
 * subgraph, and the field answers null without an error. Where it is an `@interfaceObject` there, the
 * planner cannot plan the field and the operation fails.
 */
import { baseType, isInterfaceType, isObjectType, type InterfaceType, type Schema, type Subgraph } from '@apollo/federation-internals';
import { listing, subgraphsNamed, type PlannerPatternDetector, type PlannerWarning } from './planner-warning.js';

/** Finds, per interface without implementations, each subgraph answering it that lacks some of its fields. */
export const interfaceWithoutImplementations: PlannerPatternDetector = (supergraph) => {
  const api = supergraph.apiSchema();
  const warnings: PlannerWarning[] = [];
  for (const type of api.types()) {
    if (!isInterfaceType(type) || type.possibleRuntimeTypes().length > 0) continue;
    const fields = type.fields().map((field) => field.name);
    for (const subgraph of supergraph.subgraphs()) {
      const local = subgraph.schema.type(type.name);
      if (!local || !(isInterfaceType(local) || isObjectType(local))) continue;
      const missing = fields.filter((field) => !local.field(field));
      const entries = fieldsReturning(subgraph, type).filter((coordinate) => isVisible(api, coordinate));
      if (missing.length === 0 || entries.length === 0) continue;
      const definedBy = supergraph
        .subgraphs()
        .values()
        .filter((other) => other !== subgraph && missing.some((field) => hasField(other, type.name, field)))
        .map((other) => other.name);
      const selected = listing(missing.map((field) => `${type.name}.${field}`));
      const outcome = isInterfaceType(local)
        ? `answer null without any error: the query planner finds no object type of ${type.name} to plan for and sends no fetch at all, not even to "${subgraph.name}"`
        : `fail: the query planner finds no object type of ${type.name} to fetch from and cannot plan the operation`;
      warnings.push({
        pattern: 'INTERFACE_WITHOUT_IMPLEMENTATIONS',
        auditSuite: 'non-resolvable-interface-object',
        subgraphs: [subgraph.name, ...definedBy],
        coordinates: [type.name, ...missing.map((field) => `${type.name}.${field}`)],
        message:
          `No object type implements the interface ${type.name} in the supergraph, and subgraph "${subgraph.name}" ` +
          `${isInterfaceType(local) ? 'defines it' : 'has it as an @interfaceObject'} without ${selected}` +
          `${definedBy.length > 0 ? ` (defined in ${subgraphsNamed(definedBy)})` : ''}. Queries selecting ${selected} through ${listing(entries, 'or')} ${outcome}. ` +
          `Implement ${type.name} with an object type (an entity with the same @key) where it is defined, or define ${selected} in "${subgraph.name}".`,
      });
    }
  }
  return warnings;
};

/** The coordinates of the subgraph's fields whose type is `type` (lists and non-null aside). */
function fieldsReturning(subgraph: Subgraph, type: InterfaceType): string[] {
  const found: string[] = [];
  for (const parent of subgraph.schema.types()) {
    if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
    for (const field of parent.fields()) if (baseType(field.type!).name === type.name) found.push(field.coordinate);
  }
  return found;
}

function hasField(subgraph: Subgraph, typeName: string, field: string): boolean {
  const type = subgraph.schema.type(typeName);
  return !!type && (isObjectType(type) || isInterfaceType(type)) && !!type.field(field);
}

/** Whether clients can select `Type.field` (federation's own fields, like `_entities`, are not in the API schema). */
function isVisible(api: Schema, coordinate: string): boolean {
  const [typeName, fieldName] = coordinate.split('.');
  const type = api.type(typeName!);
  return !!type && (isObjectType(type) || isInterfaceType(type)) && !!type.field(fieldName!);
}

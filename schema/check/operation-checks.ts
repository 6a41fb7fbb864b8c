/**
 * Operation checks: does each client operation still validate against the new API schema, and which
 * schema coordinates does it use (so a breaking change can be tied to the operations it breaks).
 */
import { TypeInfo, getNamedType, validate, visit, visitWithTypeInfo, type GraphQLSchema } from 'graphql';
import type { ClientOperation } from './client-operations.js';
import type { SchemaChange } from './schema-changes.js';

/** An operation the change breaks, and why. */
export interface BrokenOperation {
  operation: string;
  origins: string[];
  /** Validation errors against the new API schema (each names the field or argument). */
  errors: string[];
  /** Breaking changes to coordinates the operation uses (e.g. a field whose type changed). */
  breakingChanges: SchemaChange[];
}

/**
 * The coordinates `operation` uses in `schema`: every type it touches (`Coupon`), field (`Coupon.title`),
 * argument it passes (`Query.products.first`) and enum value it writes (`ConsentPurpose.OFFICIAL_ACCOUNT_BRIDGE`).
 * These are GraphQL Inspector's change paths, so a change's path can be looked up directly.
 */
export function usedCoordinates(schema: GraphQLSchema, operation: ClientOperation): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    operation.document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        used.add(parent.name).add(`${parent.name}.${field.name}`).add(getNamedType(field.type).name);
      },
      Argument() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const argument = typeInfo.getArgument();
        if (parent && field && argument) used.add(`${parent.name}.${field.name}.${argument.name}`).add(getNamedType(argument.type).name);
      },
      EnumValue(node) {
        const type = typeInfo.getInputType();
        if (type) used.add(`${getNamedType(type).name}.${node.value}`);
      },
      NamedType(node) {
        used.add(node.name.value);
      },
    }),
  );
  return used;
}

/** What the operation checks found. */
export interface OperationCheckResult {
  broken: BrokenOperation[];
  /** The names of the operations using each change's coordinate (empty for a change nothing uses). */
  usedBy: Map<SchemaChange, string[]>;
}

/**
 * Every operation the change from `before` to `after` breaks: it no longer validates against `after`,
 * or it uses a coordinate a breaking change touched (a field whose type changed still validates, but
 * the client's generated types no longer match). Coordinates are read in `before`, where the operation
 * was written.
 */
export function checkOperations(before: GraphQLSchema, after: GraphQLSchema, changes: SchemaChange[], operations: ClientOperation[]): OperationCheckResult {
  const usage = operations.map((operation) => ({ operation, used: usedCoordinates(before, operation) }));
  const usedBy = new Map(
    changes.map((change) => [change, [...new Set(usage.filter((u) => change.path && u.used.has(change.path)).map((u) => u.operation.name))]]),
  );
  const broken = usage.flatMap(({ operation, used }) => {
    const errors = validate(after, operation.document).map((e) => {
      const at = e.locations?.[0];
      return at ? `${e.message} (line ${at.line}, column ${at.column})` : e.message;
    });
    const breakingChanges = changes.filter((c) => c.level === 'breaking' && c.path && used.has(c.path));
    if (errors.length === 0 && breakingChanges.length === 0) return [];
    return [{ operation: operation.name, origins: operation.origins, errors, breakingChanges }];
  });
  return { broken, usedBy };
}

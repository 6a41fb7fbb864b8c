/** What a schema change does to clients of the API schema, as GraphQL Inspector classifies it. */
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';

/** breaking: some client request can fail; dangerous: a request can behave differently; safe: neither. */
export type ChangeLevel = 'breaking' | 'dangerous' | 'safe';

export interface SchemaChange {
  level: ChangeLevel;
  /** GraphQL Inspector's change type, e.g. `FIELD_REMOVED`, or `DIRECTIVE_USAGE_<element>_ADDED|REMOVED|CHANGED` (directive-changes.ts). */
  type: string;
  message: string;
  /** The schema coordinate changed, e.g. `Coupon.remaining` or `Query.products.after`. */
  path?: string;
  /** For a change to a directive application on that coordinate: the directive, e.g. `@authenticated`. */
  directive?: string;
}

const LEVELS: Record<CriticalityLevel, ChangeLevel> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

const ORDER: ChangeLevel[] = ['breaking', 'dangerous', 'safe'];

/** `changes` breaking first, then dangerous, then safe (stable within a level). */
export const byLevel = (changes: SchemaChange[]): SchemaChange[] => [...changes].sort((a, b) => ORDER.indexOf(a.level) - ORDER.indexOf(b.level));

/** The changes from `before` to `after`, breaking first. */
export async function apiChanges(before: GraphQLSchema, after: GraphQLSchema): Promise<SchemaChange[]> {
  return byLevel(
    (await diff(before, after)).map((change) => ({
      level: LEVELS[change.criticality.level],
      type: String(change.type),
      message: change.message,
      path: change.path,
    })),
  );
}

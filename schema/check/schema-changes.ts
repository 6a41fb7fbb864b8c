/** What a schema change does to clients of the API schema, as GraphQL Inspector classifies it. */
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';

/** breaking: some client request can fail; dangerous: a request can behave differently; safe: neither. */
export type ChangeLevel = 'breaking' | 'dangerous' | 'safe';

export interface SchemaChange {
  level: ChangeLevel;
  /** GraphQL Inspector's change type, e.g. `FIELD_REMOVED`. */
  type: string;
  message: string;
  /** The schema coordinate changed, e.g. `Coupon.remaining` or `Query.products.after`. */
  path?: string;
}

const LEVELS: Record<CriticalityLevel, ChangeLevel> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/** The changes from `before` to `after`, breaking first. */
export async function apiChanges(before: GraphQLSchema, after: GraphQLSchema): Promise<SchemaChange[]> {
  const order: ChangeLevel[] = ['breaking', 'dangerous', 'safe'];
  return (await diff(before, after))
    .map((change) => ({ level: LEVELS[change.criticality.level], type: String(change.type), message: change.message, path: change.path }))
    .sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
}

/** Resolvers by type and field, as `buildSubgraphSchema` takes them. */
import type { GraphQLFieldResolver, GraphQLScalarType } from 'graphql';

/**
 * The shape of a subgraph's resolvers (`@apollo/subgraph` has the same type but does not export it).
 * Sources are typed by each resolver; the context is the subgraph's own.
 */
export interface ResolverMap<TContext> {
  [typeName: string]:
    | {
        [fieldName: string]:
          | GraphQLFieldResolver<never, TContext>
          /** `subscribe` (Subscription fields only) returns the AsyncIterable of events; `resolve` maps each event. */
          | { requires?: string; resolve?: GraphQLFieldResolver<never, TContext>; subscribe?: GraphQLFieldResolver<never, TContext> };
      }
    | GraphQLScalarType
    | { [enumValue: string]: string | number };
}

/**
 * The identity store unreachable, as every identity resolver answers it: IDENTITY_STORE_UNAVAILABLE (a
 * registered code the client may retry on), never INTERNAL_SERVER_ERROR with the driver's message, which
 * names hosts. The connection bounds the wait (MONGODB_TIMEOUT_MS), so the answer comes fast.
 */
import { GraphQLScalarType, type GraphQLFieldResolver } from 'graphql';
import { identityStoreUnavailable, isStoreUnreachable, type OutageListener } from '../../platform/identity-store/unavailable.js';
import type { ResolverMap } from '@identity-federation-gateway/subgraph-kit';

function answeringOutages<TContext>(resolve: GraphQLFieldResolver<never, TContext>, onOutage: OutageListener): GraphQLFieldResolver<never, TContext> {
  const translate = (error: unknown): never => {
    if (!isStoreUnreachable(error)) throw error;
    onOutage(error);
    throw identityStoreUnavailable();
  };
  return (source, args, context, info) => {
    let result: unknown;
    try {
      result = resolve(source, args, context, info);
    } catch (error) {
      return translate(error);
    }
    // Only promises pay for the translation: plain values pass through untouched.
    return result instanceof Promise ? result.catch(translate) : result;
  };
}

/** The same resolvers, each answering a store outage with IDENTITY_STORE_UNAVAILABLE. */
export function withStoreOutageCode<TContext>(resolvers: ResolverMap<TContext>, onOutage: OutageListener): ResolverMap<TContext> {
  const wrapped: ResolverMap<TContext> = {};
  for (const [typeName, fields] of Object.entries(resolvers)) {
    if (fields instanceof GraphQLScalarType) {
      wrapped[typeName] = fields;
      continue;
    }
    wrapped[typeName] = Object.fromEntries(
      Object.entries(fields).map(([field, resolver]) => {
        if (typeof resolver === 'function') return [field, answeringOutages(resolver, onOutage)];
        if (typeof resolver === 'object' && resolver.resolve) return [field, { ...resolver, resolve: answeringOutages(resolver.resolve, onOutage) }];
        return [field, resolver];
      }),
    );
  }
  return wrapped;
}

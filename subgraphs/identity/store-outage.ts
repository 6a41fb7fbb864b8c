/**
 * The identity store unreachable, as every identity resolver answers it: IDENTITY_STORE_UNAVAILABLE (a
 * registered code the client may retry on), never INTERNAL_SERVER_ERROR with the driver's message, which
 * names hosts. The connection bounds the wait (MONGODB_TIMEOUT_MS), so the answer comes fast.
 */
import { GraphQLScalarType, type GraphQLFieldResolver } from 'graphql';
import { identityStoreUnavailable, isStoreUnreachable } from '../../platform/identity-store/unavailable.js';
import type { ResolverMap } from '../kit/index.js';

/** Told of each outage a resolver met (the driver's error: for the operator's log, never for clients). */
export type OutageListener = (error: unknown) => void;

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

/**
 * Logs the first outage a resolver meets, then at most one line per `everyMs`, with how many were answered
 * since: an outage fails many requests at once, and the operator needs the cause, not a line per request.
 */
export function throttledOutageLog(log: (error: unknown, answered: number) => void, everyMs = 10_000): OutageListener {
  let last = 0;
  let answered = 0;
  return (error) => {
    answered++;
    const now = Date.now();
    if (now - last < everyMs) return;
    log(error, answered);
    last = now;
    answered = 0;
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

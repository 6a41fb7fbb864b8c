/**
 * The Apollo modules the patches replace functions in and call, found as the running @apollo/gateway
 * finds them. A patch written against one copy of a package silently does nothing (or worse, compares
 * objects of one copy with classes of another) when the gateway loads another copy: npm nests a second
 * @apollo/federation-internals under @apollo/gateway whenever the two are upgraded apart. So each module
 * is resolved from the directory of the gateway that serves (the module instance `ApolloGateway` came
 * from), and checked before anything is installed: the version the patches were written for, one
 * federation-internals shared by the gateway and its query planner, and every function a patch replaces
 * or calls present (and replaceable). Nothing here is imported from the repository's own copies.
 */
import type { GraphQLError, GraphQLErrorOptions } from 'graphql';
import { createRequire } from 'node:module';

/** The Apollo Federation packages (gateway, federation-internals, query-planner) the patches were written and tested for. */
export const PATCHED_APOLLO_VERSION = '2.14.4';

type Fn = (...args: never[]) => unknown;
type ErrorDefinition = { err(message: string, options: GraphQLErrorOptions): GraphQLError };

/** What the patches use, from the gateway's own module instances. */
export interface ApolloModules {
  /** @apollo/gateway's executeQueryPlan.js (the patched `executeQueryPlan`, and `generateHydratedPaths`). */
  executing: Record<string, unknown>;
  /** @apollo/gateway's resultShaping.js (the patched `computeResponse`). */
  shaping: Record<string, unknown>;
  /** @apollo/gateway's dataRewrites.js (`applyRewrites`, `isObjectOfType`). */
  rewrites: Record<string, unknown>;
  /** @apollo/gateway's utilities/deepMerge.js. */
  merging: Record<string, unknown>;
  /** @apollo/gateway's datasources/types.js (`GraphQLDataSourceRequestKind`). */
  dataSourceTypes: Record<string, unknown>;
  /** @apollo/federation-internals, as the gateway and its query planner load it. */
  internals: Record<string, unknown>;
  /** Its dist/operations.js (the patched `operationFromDocument`). */
  operations: Record<string, unknown>;
  /** @apollo/query-planner (`evaluateCondition`). */
  planner: Record<string, unknown>;
  /** The graphql the gateway uses: its errors and AST helpers. */
  graphql: typeof import('graphql');
}

/** Why the patches cannot install on the gateway that runs: they stay out, and Apollo's own code serves. */
export class PatchesRefused extends Error {}

/** The gateway's modules, checked; throws PatchesRefused saying what does not match. */
export function apolloModulesOf(gatewayClass: unknown): ApolloModules {
  const ours = createRequire(import.meta.url);
  let gatewayEntry: string;
  try {
    gatewayEntry = ours.resolve('@apollo/gateway');
  } catch {
    throw new PatchesRefused('@apollo/gateway cannot be resolved from the gateway code');
  }
  const fromGateway = createRequire(gatewayEntry);
  if ((fromGateway(gatewayEntry) as { ApolloGateway?: unknown }).ApolloGateway !== gatewayClass) {
    throw new PatchesRefused('the ApolloGateway that serves is not the @apollo/gateway the patches would patch');
  }
  const internalsEntry = fromGateway.resolve('@apollo/federation-internals');
  const plannerEntry = fromGateway.resolve('@apollo/query-planner');
  const fromInternals = createRequire(internalsEntry);
  const fromPlanner = createRequire(plannerEntry);
  for (const [name, load] of [
    ['@apollo/gateway', fromGateway],
    ['@apollo/federation-internals', fromInternals],
    ['@apollo/query-planner', fromPlanner],
  ] as const) {
    const { version } = load('../package.json') as { version?: unknown };
    if (version !== PATCHED_APOLLO_VERSION) throw new PatchesRefused(`${name} is ${String(version)}; the patches were written for ${PATCHED_APOLLO_VERSION}`);
  }
  const internals = fromGateway(internalsEntry) as Record<string, unknown>;
  const fromGraphs = createRequire(fromPlanner.resolve('@apollo/query-graphs'));
  if (fromPlanner('@apollo/federation-internals') !== internals || fromGraphs('@apollo/federation-internals') !== internals) {
    throw new PatchesRefused('@apollo/gateway and its query planner load different copies of @apollo/federation-internals');
  }
  return {
    executing: fromGateway('./executeQueryPlan.js') as Record<string, unknown>,
    shaping: fromGateway('./resultShaping.js') as Record<string, unknown>,
    rewrites: fromGateway('./dataRewrites.js') as Record<string, unknown>,
    merging: fromGateway('./utilities/deepMerge.js') as Record<string, unknown>,
    dataSourceTypes: fromGateway('./datasources/types.js') as Record<string, unknown>,
    internals,
    operations: fromInternals('./operations.js') as Record<string, unknown>,
    planner: fromGateway(plannerEntry) as Record<string, unknown>,
    graphql: fromGateway('graphql') as typeof import('graphql'),
  };
}

/** `module[name]` as a function, or PatchesRefused naming it. */
export function helper<T extends Fn>(module: Record<string, unknown>, name: string): T {
  const value = module[name];
  if (typeof value !== 'function') throw new PatchesRefused(`Apollo's ${name} is gone (the patches call it)`);
  return value as T;
}

/** `module[name]` as a function a patch will replace: it must be a plain, writable export the gateway reads on each call. */
export function replaceable<T extends Fn>(module: Record<string, unknown>, name: string): T {
  const found = helper<T>(module, name);
  if (Object.getOwnPropertyDescriptor(module, name)?.writable !== true) throw new PatchesRefused(`Apollo's ${name} can no longer be replaced`);
  return found;
}

/** `module[name]`, any non-function value (an enum, a class instance), or PatchesRefused naming it. */
export function value<T>(module: Record<string, unknown>, name: string): T {
  if (module[name] === undefined || module[name] === null) throw new PatchesRefused(`Apollo's ${name} is gone (the patches use it)`);
  return module[name] as T;
}

export type { ErrorDefinition };

/**
 * The three places the gateway replaces a function inside Apollo's packages, installed here and only
 * here, each guarded (apollo-modules.ts): it installs only on the very module instances the running
 * gateway loads, at the version it was written for, with every Apollo function it calls present.
 * Otherwise it stays out, one warning says why, and the gateway serves on Apollo's own code (slower,
 * never wrong).
 *
 * - operation-cache.ts: each document's federation `Operation` built once, not per request;
 * - result-shaper.ts: result shaping compiled per operation (Apollo's own for anything with errors);
 * - plan-executor.ts: plans executed without the traces and spans nobody records.
 */
import type { Logger } from '../../platform/logger.js';
import { apolloModulesOf, PatchesRefused, type ApolloModules } from './apollo-modules.js';
import { installOperationCache, type OperationCacheStats } from './operation-cache.js';
import { installPlanExecutor, planExecutors, type ExecuteSubscriptionEvent } from './plan-executor.js';
import { installResultShaper, type ResultShaperStats } from './result-shaper.js';

export interface ApolloPatchStats {
  /** The patches serving, by name. */
  installed: readonly string[];
  operations?: OperationCacheStats;
  shaping?: ResultShaperStats;
}

const PATCHES = ['operation-cache', 'result-shaper', 'plan-executor'] as const;

/** Installs every patch that fits the gateway `gatewayClass` belongs to (once per process; later calls report the same). */
export function installApolloPatches(gatewayClass: unknown, logger: Logger): ApolloPatchStats {
  let modules: ApolloModules;
  try {
    modules = apolloModulesOf(gatewayClass);
  } catch (error) {
    if (!(error instanceof PatchesRefused)) throw error;
    logger.warn({ patches: PATCHES, reason: error.message }, "Apollo patches not installed: serving on Apollo's own code");
    return { installed: [] };
  }
  const installed: string[] = [];
  const stats: ApolloPatchStats = { installed };
  const attempt = (name: (typeof PATCHES)[number], install: () => void) => {
    try {
      install();
      installed.push(name);
    } catch (error) {
      if (!(error instanceof PatchesRefused)) throw error;
      logger.warn({ patch: name, reason: error.message }, "Apollo patch not installed: serving on Apollo's own code");
    }
  };
  attempt('operation-cache', () => (stats.operations = installOperationCache(modules)));
  attempt('result-shaper', () => (stats.shaping = installResultShaper(modules)));
  attempt('plan-executor', () => installPlanExecutor(modules));
  return stats;
}

/** What running subscriptions needs from Apollo's modules: the modules (planning), and the event executor. */
export interface SubscriptionSupport {
  modules: ApolloModules;
  executeEvent: ExecuteSubscriptionEvent;
}

/**
 * Subscription support for the gateway `gatewayClass` belongs to, or undefined (one warning says why)
 * when Apollo's modules are not the ones it was written for: the gateway then serves queries and
 * mutations as before and refuses subscriptions.
 */
export function subscriptionSupport(gatewayClass: unknown, logger: Logger): SubscriptionSupport | undefined {
  try {
    const modules = apolloModulesOf(gatewayClass);
    return { modules, executeEvent: planExecutors(modules).subscriptionEvent };
  } catch (error) {
    if (!(error instanceof PatchesRefused)) throw error;
    logger.warn({ reason: error.message }, 'subscriptions are off: they need the Apollo modules the gateway was written for');
    return undefined;
  }
}

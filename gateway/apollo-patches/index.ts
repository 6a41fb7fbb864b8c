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
import { installPlanExecutor } from './plan-executor.js';
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

/**
 * Per-document work done once. Apollo Server already keeps each parsed and validated document (its
 * documentStore LRU, keyed by query hash) and @apollo/gateway each query plan (its queryPlanStore LRU).
 * What the gateway still redoes on every request is turning the document into a federation `Operation`
 * for result shaping (`operationFromDocument` in `executeQueryPlan`): ~50 µs for the live-stream page and
 * ~130 µs for the benchmark's heavy query, measured under load, on every request. This remembers that
 * `Operation` per operation AST node and schema. The node comes from Apollo Server's cached document, so
 * the same query reuses it, and entries live exactly as long as that document does (a WeakMap: bounded by
 * Apollo's LRU). A different schema (a reloaded supergraph) gets its own entry.
 *
 * `Operation` objects are immutable (the federation code derives new ones instead of changing them);
 * variables are applied when the result is shaped, not stored in the operation, so sharing one across
 * requests is safe.
 */
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { replaceable, type ApolloModules } from './apollo-modules.js';

type OperationFromDocument = (schema: object, document: DocumentNode, options?: { operationName?: string; validate?: boolean }) => unknown;

interface Entry {
  /** The document's definitions (the operation, then its fragments), compared one by one on use. */
  definitions: readonly unknown[];
  operation: unknown;
}

export interface OperationCacheStats {
  hits: number;
  misses: number;
}

const STATS = Symbol.for('identity-federation-gateway.operation-cache-stats');
type Patchable = OperationFromDocument & { [STATS]?: OperationCacheStats };

/**
 * Wraps `operationFromDocument` (once per process; @apollo/gateway calls it through the package's
 * re-export getter, read on every call) so execution reuses each document's `Operation`. Only the
 * execution-time call (`validate: false`, one operation, no operation name) is cached; planning calls
 * are left alone (they happen once per plan anyway). Returns the hit/miss counters.
 */
export function installOperationCache(modules: ApolloModules): OperationCacheStats {
  const operations = modules.operations;
  const build = replaceable<Patchable>(operations, 'operationFromDocument');
  if (build[STATS]) return build[STATS];
  const stats: OperationCacheStats = { hits: 0, misses: 0 };
  const bySchema = new WeakMap<object, WeakMap<OperationDefinitionNode, Entry>>();
  const cached: OperationFromDocument = (schema, document, options) => {
    const [first] = document.definitions;
    if (options?.validate !== false || options.operationName !== undefined || first?.kind !== Kind.OPERATION_DEFINITION) {
      return build(schema, document, options);
    }
    let byNode = bySchema.get(schema);
    if (!byNode) bySchema.set(schema, (byNode = new WeakMap()));
    const entry = byNode.get(first);
    if (entry && sameDefinitions(entry.definitions, document.definitions)) {
      stats.hits++;
      return entry.operation;
    }
    stats.misses++;
    const operation = build(schema, document, options);
    byNode.set(first, { definitions: [...document.definitions], operation });
    return operation;
  };
  operations.operationFromDocument = Object.assign(cached, { [STATS]: stats });
  return stats;
}

function sameDefinitions(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

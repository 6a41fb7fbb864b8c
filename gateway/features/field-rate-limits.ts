/**
 * Fairness in a coupon drop: per-viewer limits on chosen fields (e.g. `Mutation.claimCoupon` at most 5
 * a minute per viewer), at the gateway, before the merchant is asked. Each selection of a limited field
 * in an operation takes one unit from that viewer's bucket for the field (an aliased second claim takes
 * a second); past the limit the field is removed from the operation (pipeline/removed-fields.ts) and
 * answers null with RATE_LIMITED and `extensions.retryAfterSeconds`, the rest of the operation runs, and
 * the HTTP answer carries `Retry-After`. An anonymous request's bucket is its client address.
 */
import type { DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { DocumentCache } from '../pipeline/document-cache.js';
import { defineFeature } from '../pipeline/feature.js';
import { runFiltered } from '../pipeline/filtered-request.js';
import { filterOperation, type Removal } from '../pipeline/removed-fields.js';
import { clientAddressOf } from './rate-limits.js';

/** One field's limit: at most `points` selections per viewer per `seconds`. */
export interface FieldRateLimit {
  points: number;
  seconds: number;
}

/** Limits by field coordinate (`Mutation.claimCoupon`). @default none */
export type FieldRateLimits = Readonly<Record<string, FieldRateLimit>>;

export interface FieldRateLimitsOptions {
  limits: FieldRateLimits;
  documents: DocumentCache;
  schema(): GraphQLSchema | undefined;
  clientAddressHeader?: string;
}

/** The limited fields an operation selects, as (coordinate, field node), through fragments. */
type Selected = readonly { coordinate: string; field: FieldNode }[];

export const fieldRateLimits = (options: FieldRateLimitsOptions) => {
  const buckets = new Map(
    Object.entries(options.limits).map(([coordinate, limit]) => [coordinate, new RateLimiterMemory({ points: limit.points, duration: limit.seconds })]),
  );
  const selectedBy = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; selected: Selected }>();

  return defineFeature({
    name: 'field-rate-limits',
    needs: ['params', 'document', 'operation', 'viewer'],
    admit(request) {
      const schema = options.schema();
      if (buckets.size === 0 || !schema) return;
      const { document, operation } = request.operation;
      let known = selectedBy.get(operation);
      if (known?.schema !== schema) selectedBy.set(operation, (known = { schema, selected: limitedFields(schema, document, operation, buckets) }));
      if (known.selected.length === 0) return;
      const who = request.viewer ? `viewer:${request.viewer.userId}` : `address:${clientAddressOf(request.http, options.clientAddressHeader)}`;
      return consume(known.selected, who).then((removals) => {
        if (removals.size === 0) return;
        const filtered = filterOperation(schema, document, operation, (_type, _field, node) => removals.get(node));
        if (!filtered) return;
        runFiltered(request, filtered, options.documents, schema);
        const retryAfter = Math.max(...[...removals.values()].map((removal) => Number(removal.extensions?.retryAfterSeconds ?? 1)));
        request.removed!.retryAfterSeconds = Math.max(request.removed!.retryAfterSeconds ?? 0, retryAfter);
      });
    },
  });

  /** Takes one unit per selection; the selections past their limit, with their refusal. */
  async function consume(selected: Selected, who: string): Promise<Map<FieldNode, Removal>> {
    const removals = new Map<FieldNode, Removal>();
    for (const { coordinate, field } of selected) {
      try {
        await buckets.get(coordinate)!.consume(`${coordinate}\u0000${who}`);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        const limit = options.limits[coordinate]!;
        removals.set(field, {
          code: 'RATE_LIMITED',
          message: `${coordinate.split('.')[1]} is limited to ${limit.points} per ${limit.seconds} s for each viewer; retry in ${retryAfterSeconds} s.`,
          extensions: { retryAfterSeconds },
        });
      }
    }
    return removals;
  }
};

/** The selections of limited fields in `operation`, each field node once (through fragments). */
function limitedFields(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, limited: ReadonlyMap<string, unknown>): Selected {
  const found = new Map<FieldNode, string>();
  filterOperation(schema, document, operation, (type, field, node) => {
    const coordinate = `${type}.${field}`;
    if (limited.has(coordinate) && !found.has(node)) found.set(node, coordinate);
    return undefined;
  });
  return [...found].map(([field, coordinate]) => ({ coordinate, field }));
}

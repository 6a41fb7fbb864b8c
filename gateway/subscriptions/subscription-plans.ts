/**
 * Subscription plans, made by the running gateway's own query planner: @apollo/query-planner plans a
 * subscription as a primary fetch (to the subgraph owning the root field) and the rest of the plan, run
 * on each event. @apollo/gateway plans nothing for subscriptions itself (its executor refuses them), so
 * this reads the planner and schemas it holds for the supergraph being served, and keeps one plan per
 * document and operation name for as long as both the document and that supergraph are in use.
 */
import { buildOperationContext, type ApolloGateway } from '@apollo/gateway';

type OperationContext = ReturnType<typeof buildOperationContext>;
import type { DocumentNode, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { ApolloModules } from '../apollo-patches/apollo-modules.js';
import type { SubscriptionPlan } from '../apollo-patches/plan-executor.js';

/** What @apollo/gateway holds for the supergraph it serves (private fields, read on each use: a reload replaces them). */
export interface ServedSupergraph {
  queryPlanner: { buildQueryPlan(operation: unknown): { node?: { kind: string } } };
  /** The federation API schema (what operations are built against). */
  apiSchema: object;
  /** The API schema as graphql-js, with Apollo's extensions. */
  schema: GraphQLSchema;
  supergraphSchema: GraphQLSchema;
  serviceMap: Record<string, { dataSource: unknown }>;
}

/** A planned subscription: the plan and what executing its events needs. */
export interface PreparedSubscription {
  plan: SubscriptionPlan;
  operationContext: OperationContext;
  supergraph: ServedSupergraph;
}

/** Why a subscription cannot be planned; answered to the client as its GraphQL errors. */
export class SubscriptionPlanError extends Error {}

export class SubscriptionPlans {
  private readonly prepared = new WeakMap<object, WeakMap<DocumentNode, Map<string, PreparedSubscription>>>();

  constructor(
    private readonly gateway: ApolloGateway,
    private readonly modules: ApolloModules,
  ) {}

  /** The graphql module Apollo's code uses: its schemas are checked and its errors built with it. */
  get graphql(): ApolloModules['graphql'] {
    return this.modules.graphql;
  }

  /** The variables' errors, coded, as @apollo/gateway checks a query's before executing it (undefined: they coerce). */
  variableErrors(prepared: PreparedSubscription, variables: Record<string, unknown> | undefined): GraphQLFormattedError[] | undefined {
    const definitions = prepared.operationContext.operation.variableDefinitions;
    if (!definitions) return undefined;
    const { errors } = this.modules.graphql.getVariableValues(prepared.operationContext.schema, definitions, variables ?? {});
    return errors?.map((error) => ({ ...error.toJSON(), extensions: { code: 'BAD_USER_INPUT' } }));
  }

  /** The supergraph being served, or undefined before the first one loaded. */
  served(): ServedSupergraph | undefined {
    const fields = this.gateway as unknown as Partial<ServedSupergraph>;
    const { queryPlanner, apiSchema, schema, supergraphSchema, serviceMap } = fields;
    if (!queryPlanner || !apiSchema || !schema || !supergraphSchema || !serviceMap) return undefined;
    return { queryPlanner, apiSchema, schema, supergraphSchema, serviceMap };
  }

  /** The plan for `document`'s subscription `operationName` (validated already), made once per document and supergraph. */
  prepare(document: DocumentNode, operationName: string | undefined): PreparedSubscription {
    const supergraph = this.served();
    if (!supergraph) throw new SubscriptionPlanError('The gateway has no supergraph loaded yet.');
    let byDocument = this.prepared.get(supergraph.queryPlanner);
    if (!byDocument) this.prepared.set(supergraph.queryPlanner, (byDocument = new WeakMap()));
    let byName = byDocument.get(document);
    if (!byName) byDocument.set(document, (byName = new Map()));
    const known = byName.get(operationName ?? '');
    if (known) return known;
    const operationFromDocument = this.modules.internals.operationFromDocument as (schema: object, document: DocumentNode, options: object) => unknown;
    const operation = operationFromDocument(supergraph.apiSchema, document, { operationName });
    const { node } = supergraph.queryPlanner.buildQueryPlan(operation);
    if (node?.kind !== 'Subscription') throw new SubscriptionPlanError('The operation is not a subscription a subgraph can serve.');
    const prepared: PreparedSubscription = {
      plan: node as unknown as SubscriptionPlan,
      operationContext: buildOperationContext({ schema: supergraph.schema, operationDocument: document, operationName }),
      supergraph,
    };
    byName.set(operationName ?? '', prepared);
    return prepared;
  }
}

/**
 * Query plan execution without the bookkeeping it does not need here. @apollo/gateway's
 * `executeQueryPlan` builds a protobuf trace node for every plan node and opens an OpenTelemetry span for
 * every fetch even when neither is recorded, copies the path array at every step of every `Flatten`, and
 * builds entity representations as dictionary-mode objects (`Object.create(null)`): together ~40% of the
 * bytes the gateway allocates on the heavy query, and most of its garbage collection.
 *
 * This is the same algorithm, step for step (the plan walk, the fetches, entity representations, merging,
 * error paths and codes), minus those: Apollo's own helpers are called wherever they are exported
 * (`applyRewrites`, `deepMerge`, `generateHydratedPaths`, result shaping). Apollo's function still runs
 * whenever something is recorded (Studio traces requested, or OpenTelemetry tracing on: its spans are
 * part of the trace), for plans with @defer or a subscription, and for schema introspection.
 */
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import { activeTracer } from '../../platform/telemetry.js';
import { helper, replaceable, value, type ApolloModules } from './apollo-modules.js';
import { flattenResultsAtPath, planResults, type ResultCursor } from './plan-results.js';
import type { ComputeResponse } from './result-shaper.js';

type Data = Record<string, unknown>;
/** The parts of @apollo/query-planner's plan this walks. */
interface FetchNode {
  kind: 'Fetch';
  serviceName: string;
  variableUsages?: string[];
  requires?: Parameters<ReturnType<typeof planResults>['entityRepresentation']>[2];
  operation: string;
  operationName?: string;
  operationDocumentNode?: unknown;
  inputRewrites?: unknown[];
  outputRewrites?: unknown[];
}
type PlanNode =
  | { kind: 'Sequence' | 'Parallel'; nodes: PlanNode[] }
  | { kind: 'Flatten'; path: (string | number)[]; node: PlanNode }
  | FetchNode
  | { kind: 'Condition'; condition: string; ifClause?: PlanNode; elseClause?: PlanNode }
  | { kind: 'Defer' | 'Subscription' };
interface DataSource {
  process(request: unknown): Promise<{ data?: Data | null; errors?: GraphQLFormattedError[]; extensions?: { ftv1?: unknown } }>;
}
type ExecuteQueryPlan = (
  queryPlan: { node?: PlanNode },
  serviceMap: Record<string, DataSource>,
  requestContext: GatewayGraphQLRequestContext,
  operationContext: { operation: object; fragments: Record<string, unknown>; schema: unknown },
  supergraphSchema: unknown,
  apiSchema: unknown,
  telemetryConfig?: unknown,
) => Promise<GatewayExecutionResult>;

const STOCK = Symbol.for('identity-federation-gateway.stock-execute-query-plan');
type Patchable = ExecuteQueryPlan & { [STOCK]?: ExecuteQueryPlan };

/** A subscription's plan (@apollo/query-planner's SubscriptionNode): the fetch that subscribes, then the rest of the plan per event. */
export interface SubscriptionPlan {
  kind: 'Subscription';
  primary: FetchNode;
  rest?: PlanNode;
}

/** One event of a subscription's primary fetch, as the subgraph sent it. */
export interface SubscriptionEvent {
  data?: Data | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * Completes one event of a subscription as a query's result would be: the event is the primary fetch's
 * answer, the rest of the plan runs on it (each fetch through the data sources, as the subscriber), and
 * the result is shaped for the operation. Apollo's `executeQueryPlan` refuses subscription plans; this is
 * the same algorithm started from the event instead of from nothing.
 */
export type ExecuteSubscriptionEvent = (
  event: SubscriptionEvent,
  plan: SubscriptionPlan,
  serviceMap: Record<string, DataSource>,
  requestContext: GatewayGraphQLRequestContext,
  operationContext: { operation: object; fragments: Record<string, unknown>; schema: unknown },
  supergraphSchema: unknown,
  apiSchema: unknown,
) => Promise<GatewayExecutionResult>;

/** Apollo's own `executeQueryPlan`, the lean one, and subscription events, over the gateway's modules (throws PatchesRefused when a helper is missing). */
export function planExecutors(modules: ApolloModules): { stock: ExecuteQueryPlan; lean: ExecuteQueryPlan; subscriptionEvent: ExecuteSubscriptionEvent } {
  const installed = replaceable<Patchable>(modules.executing, 'executeQueryPlan');
  const stock = installed[STOCK] ?? installed;
  const { execute, executeEvent } = leanExecutor(modules, stock);
  return { stock, lean: execute, subscriptionEvent: executeEvent };
}

/** Makes @apollo/gateway execute query plans with the lean executor (once per process). */
export function installPlanExecutor(modules: ApolloModules): void {
  const { stock, lean } = planExecutors(modules);
  if ((modules.executing.executeQueryPlan as Patchable)[STOCK]) return;
  modules.executing.executeQueryPlan = Object.assign(lean, { [STOCK]: stock });
}

interface Execution {
  operation: { variableDefinitions: unknown };
  serviceMap: Record<string, DataSource>;
  requestContext: GatewayGraphQLRequestContext;
  supergraphSchema: unknown;
  errors: Error[];
}

/** Apollo's `executeQueryPlan`, same arguments and answers, without unrecorded traces and spans; and subscription events. */
function leanExecutor(modules: ApolloModules, stockExecuteQueryPlan: ExecuteQueryPlan): { execute: ExecuteQueryPlan; executeEvent: ExecuteSubscriptionEvent } {
  const { entityRepresentation, makeLazyErrorPathGenerator, downstreamServiceError, usesSchemaIntrospection } = planResults(modules);
  const applyRewrites = helper<(schema: unknown, rewrites: unknown, value: unknown) => void>(modules.rewrites, 'applyRewrites');
  const deepMerge = helper<(target: unknown, source: unknown) => unknown>(modules.merging, 'deepMerge');
  const evaluateCondition = helper<(node: unknown, definitions: unknown, variables: unknown) => boolean>(modules.planner, 'evaluateCondition');
  const INCOMING_OPERATION = value<{ INCOMING_OPERATION?: unknown }>(modules.dataSourceTypes, 'GraphQLDataSourceRequestKind').INCOMING_OPERATION;
  // Read on every call: the operation cache and the result shaper replace them.
  helper(modules.operations, 'operationFromDocument');
  helper(modules.shaping, 'computeResponse');
  const operationFromDocument = (...args: unknown[]) => (modules.operations.operationFromDocument as (...a: unknown[]) => unknown)(...args);
  const computeResponse: ComputeResponse = (args) => (modules.shaping.computeResponse as ComputeResponse)(args);
  // Apollo's graphql: the schemas and errors here must be the ones Apollo's code uses.
  const { graphql } = modules;

  const execute: ExecuteQueryPlan = async (queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetry) => {
    if (
      activeTracer() ||
      requestContext.metrics?.captureTraces ||
      !plainPlan(queryPlan.node) ||
      usesSchemaIntrospection(operationContext.operation, operationContext.fragments)
    ) {
      return stockExecuteQueryPlan(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetry);
    }
    const operation = operationOf(operationContext, apiSchema);
    if (operation instanceof graphql.GraphQLError) return { errors: [operation] };
    const errors: Error[] = [];
    const unfilteredData: Data = Object.create(null) as Data;
    if (queryPlan.node) {
      await executeNode({ operation, serviceMap, requestContext, supergraphSchema, errors }, queryPlan.node, {
        path: [],
        data: unfilteredData,
        fullResult: unfilteredData,
      });
    }
    return shape(operation, requestContext, unfilteredData, errors);
  };

  const executeEvent: ExecuteSubscriptionEvent = async (event, plan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema) => {
    const operation = operationOf(operationContext, apiSchema);
    if (operation instanceof graphql.GraphQLError) return { errors: [operation] };
    const errors: Error[] = [];
    const unfilteredData: Data = Object.create(null) as Data;
    const cursor: ResultCursor = { path: [], data: unfilteredData, fullResult: unfilteredData };
    const { primary } = plan;
    // The event is the primary fetch's answer: its errors and data enter the result as a fetch's would.
    if (event.errors?.length) {
      const errorPath = makeLazyErrorPathGenerator(primary, cursor);
      errors.push(...event.errors.map((error) => downstreamServiceError(error, primary.serviceName, errorPath)));
    }
    if (event.data) {
      applyRewrites(supergraphSchema, primary.outputRewrites, event.data);
      deepMerge(unfilteredData, event.data);
    }
    if (plan.rest) await executeNode({ operation, serviceMap, requestContext, supergraphSchema, errors }, plan.rest, cursor);
    return shape(operation, requestContext, unfilteredData, errors);
  };

  /** The federation `Operation` for shaping (cached per document by the operation cache), or the error building it raised. */
  function operationOf(operationContext: { operation: object; fragments: Record<string, unknown> }, apiSchema: unknown) {
    try {
      const document = { kind: graphql.Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] };
      return operationFromDocument(apiSchema, document, { validate: false }) as Execution['operation'];
    } catch (error) {
      if (error instanceof graphql.GraphQLError) return error;
      throw error;
    }
  }

  /** Shapes the merged fetch results for the operation, and reports errors, exactly as Apollo's executeQueryPlan does. */
  function shape(
    operation: Execution['operation'],
    requestContext: GatewayGraphQLRequestContext,
    unfilteredData: Data,
    errors: Error[],
  ): GatewayExecutionResult {
    const logger = requestContext.logger || console;
    let data: Data | null | undefined;
    try {
      const variables = requestContext.request.variables;
      let postProcessingErrors: import('graphql').GraphQLError[];
      ({ data, errors: postProcessingErrors } = computeResponse({
        operation: operation as never,
        variables,
        input: unfilteredData,
        // Operations with schema introspection run in Apollo's executeQueryPlan (above).
        introspectionHandling: () => {
          throw new Error('schema introspection reached the lean plan executor');
        },
      }));
      // As Apollo: post-processing errors only as extensions, and only when execution had none.
      if (errors.length === 0 && postProcessingErrors.length > 0) return { extensions: { valueCompletion: postProcessingErrors }, data };
    } catch (error) {
      if (error instanceof graphql.GraphQLError) return { errors: [error] };
      if (error instanceof Error) return { errors: [new graphql.GraphQLError(error.message, { originalError: error })] };
      logger.error('Unexpected error during query plan execution: ' + String(error));
      return { errors: [new graphql.GraphQLError('Unexpected error during query plan execution')] };
    }
    // As Apollo: a fetch's thrown error (not always a GraphQLError) is reported as it is.
    return errors.length === 0 ? { data } : ({ errors, data } as unknown as GatewayExecutionResult);
  }

  async function executeNode(context: Execution, node: PlanNode, cursor: ResultCursor | undefined): Promise<void> {
    if (!cursor) return;
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await executeNode(context, child, cursor);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => executeNode(context, child, cursor)));
        return;
      case 'Flatten': {
        const data = flattenResultsAtPath(cursor.data, node.path, 0);
        const moved = data ? { path: cursor.path.concat(node.path), data: data as ResultCursor['data'], fullResult: cursor.fullResult } : undefined;
        return executeNode(context, node.node, moved);
      }
      case 'Fetch':
        try {
          await executeFetch(context, node, cursor);
        } catch (error) {
          context.errors.push(error as Error);
        }
        return;
      case 'Condition': {
        const condition = evaluateCondition(node, context.operation.variableDefinitions, context.requestContext.request.variables);
        const branch = condition ? node.ifClause : node.elseClause;
        if (branch) await executeNode(context, branch, cursor);
        return;
      }
      default:
        throw new Error(`Unexpected plan node ${node.kind}`);
    }
  }

  async function executeFetch(context: Execution, fetch: FetchNode, cursor: ResultCursor): Promise<void> {
    const service = context.serviceMap[fetch.serviceName];
    if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
    const entities: Data[] = Array.isArray(cursor.data) ? cursor.data.filter((e) => e !== null && typeof e !== 'undefined') : [cursor.data];
    if (entities.length < 1) return;
    const variables: Data = Object.create(null) as Data;
    const provided = context.requestContext.request.variables;
    for (const name of fetch.variableUsages ?? []) {
      if (provided && Object.prototype.hasOwnProperty.call(provided, name) && typeof provided[name] !== 'undefined') variables[name] = provided[name];
    }
    const send = (vars: Data) => sendOperation(context, fetch, cursor, service, vars);
    if (!fetch.requires) {
      const received = await send(variables);
      if (received) applyRewrites(context.supergraphSchema, fetch.outputRewrites, received);
      for (const entity of entities) deepMerge(entity, received);
      return;
    }
    const representations: Data[] = [];
    const representationToEntity: number[] = [];
    entities.forEach((entity, index) => {
      const representation = entityRepresentation(context.supergraphSchema, entity, fetch.requires!);
      if (representation && representation.__typename) {
        applyRewrites(context.supergraphSchema, fetch.inputRewrites, representation);
        representations.push(representation);
        representationToEntity.push(index);
      }
    });
    if (representations.length < 1) return;
    if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
    const received = await send({ ...variables, representations });
    if (!received) return;
    const receivedEntities = received._entities as (Data | null | undefined)[] | undefined;
    if (!(receivedEntities && Array.isArray(receivedEntities))) throw new Error(`Expected "data._entities" in response to be an array`);
    if (receivedEntities.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
    // As Apollo: over every entity (not every representation).
    for (let i = 0; i < entities.length; i++) {
      const receivedEntity = receivedEntities[i];
      const existingEntity = entities[representationToEntity[i]!]!;
      if (receivedEntity && !receivedEntity.__typename) receivedEntity.__typename = existingEntity.__typename;
      applyRewrites(context.supergraphSchema, fetch.outputRewrites, receivedEntity);
      deepMerge(entities[representationToEntity[i]!], receivedEntity);
    }
  }

  async function sendOperation(
    context: Execution,
    fetch: FetchNode,
    cursor: ResultCursor,
    service: DataSource,
    variables: Data,
  ): Promise<Data | null | undefined> {
    const { requestContext } = context;
    const response = await service.process({
      kind: INCOMING_OPERATION,
      request: { query: fetch.operation, variables, operationName: fetch.operationName, http: undefined },
      incomingRequestContext: requestContext,
      context: requestContext.context,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    });
    if (response.errors) {
      const errorPath = makeLazyErrorPathGenerator(fetch, cursor);
      context.errors.push(...response.errors.map((error) => downstreamServiceError(error, fetch.serviceName, errorPath)));
      if (!response.extensions?.ftv1) {
        const errorPaths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
        const metrics = requestContext.metrics as { nonFtv1ErrorPaths?: unknown[] };
        if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...errorPaths);
        else metrics.nonFtv1ErrorPaths = errorPaths;
      }
    }
    return response.data;
  }

  return { execute, executeEvent };
}

/** Whether a plan has only what this executes (no @defer, no subscription). */
function plainPlan(node: PlanNode | undefined): boolean {
  if (!node) return true;
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return node.nodes.every(plainPlan);
    case 'Flatten':
      return plainPlan(node.node);
    case 'Condition':
      return plainPlan(node.ifClause) && plainPlan(node.elseClause);
    case 'Fetch':
      return true;
    default:
      return false;
  }
}

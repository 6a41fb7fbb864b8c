/**
 * What plan-executor.ts reads from the result tree while it executes a plan: the entities at a
 * plan path, the representation of an entity a fetch requires, and the paths of subgraph errors. Each is
 * Apollo's function from executeQueryPlan.ts, same semantics and messages, allocating less: paths are
 * walked by index instead of copied at each step, lists flattened without `flatMap`, and representations are plain objects instead of
 * dictionary-mode ones (`Object.create(null)`), except where a field name is one plain objects inherit.
 */
import type { DocumentNode, FieldNode, GraphQLError, GraphQLErrorOptions, GraphQLFormattedError } from 'graphql';
import { helper, PatchesRefused, value, type ApolloModules, type ErrorDefinition } from './apollo-modules.js';

type Data = Record<string, unknown>;
export type ResponsePath = (string | number)[];

/** Where in the result a plan node works: its path, the data there (flattened over lists), the whole result. */
export interface ResultCursor {
  path: ResponsePath;
  data: Data | Data[];
  fullResult: Data;
}

/** A fetch's `requires`: fields and inline fragments, as @apollo/query-planner gives them. */
interface RequiredSelection {
  kind: string;
  name?: string;
  alias?: string;
  selections?: RequiredSelection[];
  typeCondition?: string;
}

function assert(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new Error(message());
}

/** Apollo's `flattenResultsAtPath`, walking `path` from `index`. */
export function flattenResultsAtPath(value: unknown, path: ResponsePath, index: number): unknown {
  if (index === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[index];
  if (current === '@') {
    if (!Array.isArray(value)) return (value as unknown[]).flatMap((element) => flattenResultsAtPath(element, path, index + 1));
    // Array.prototype.flatMap's result (one level flattened), built without its generic machinery.
    const flattened: unknown[] = [];
    for (const element of value) {
      const inner = flattenResultsAtPath(element, path, index + 1);
      if (Array.isArray(inner)) for (const item of inner) flattened.push(item);
      else flattened.push(inner);
    }
    return flattened;
  }
  assert(typeof current === 'string', () => `Unexpected ${typeof current} found in path`);
  assert(!Array.isArray(value), () => `Unexpected array in result for path element ${current}`);
  return flattenResultsAtPath(Object.prototype.hasOwnProperty.call(value, current) ? (value as Data)[current] : undefined, path, index + 1);
}

/** Apollo's result-tree helpers for executeQueryPlan, over the gateway's own modules (throws PatchesRefused when one is missing). */
export function planResults(modules: ApolloModules) {
  const isObjectOfType = helper<(schema: unknown, value: unknown, typeCondition: string) => boolean>(modules.rewrites, 'isObjectOfType');
  const deepMerge = helper<(target: unknown, source: unknown) => unknown>(modules.merging, 'deepMerge');
  const generateHydratedPaths = helper<(parent: ResponsePath, path: ResponsePath, data: unknown, result: ResponsePath[]) => void>(
    modules.executing,
    'generateHydratedPaths',
  );
  const errorCodeDef = helper<(error: unknown) => ErrorDefinition | undefined>(modules.internals, 'errorCodeDef');
  const downstream = value<{ DOWNSTREAM_SERVICE_ERROR?: ErrorDefinition }>(modules.internals, 'ERRORS').DOWNSTREAM_SERVICE_ERROR;
  if (!downstream) throw new PatchesRefused("Apollo's ERRORS.DOWNSTREAM_SERVICE_ERROR is gone (the patches use it)");
  // Apollo's graphql: errors must be the class Apollo's code creates.
  const { GraphQLError, Kind, visit } = modules.graphql;
  const ERRORS = { DOWNSTREAM_SERVICE_ERROR: downstream };

  const inheritedNames = new WeakMap<RequiredSelection[], boolean>();
  /** Whether any field of `selections` (at any depth) has a name plain objects inherit, e.g. `constructor`. */
  function hasInheritedNames(selections: RequiredSelection[]): boolean {
    let known = inheritedNames.get(selections);
    if (known === undefined) {
      known = selections.some((s) => (s.alias ?? s.name ?? '') in Object.prototype || (s.selections ? hasInheritedNames(s.selections) : false));
      inheritedNames.set(selections, known);
    }
    return known;
  }

  /** Apollo's `executeSelectionSet`: what of an entity a fetch requires, or null when something required is missing. */
  function entityRepresentation(schema: unknown, source: Data | null, selections: RequiredSelection[]): Data | null {
    if (source === null) return null;
    const result: Data = hasInheritedNames(selections) ? (Object.create(null) as Data) : {};
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        const responseName = selection.alias ?? selection.name!;
        const inner = selection.selections;
        if (!Object.prototype.hasOwnProperty.call(source, responseName) || typeof source[responseName] === 'undefined') return null;
        const value = source[responseName];
        if (Array.isArray(value)) result[responseName] = value.map((v: Data | null) => (inner ? entityRepresentation(schema, v, inner) : v));
        else if (inner) result[responseName] = entityRepresentation(schema, value as Data | null, inner);
        else result[responseName] = value;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || !source) continue;
        if (isObjectOfType(schema, source, selection.typeCondition)) deepMerge(result, entityRepresentation(schema, source, selection.selections!));
      }
    }
    return result;
  }

  /** Apollo's `makeLazyErrorPathGenerator`: a subgraph error's path in the client's result, computed only when asked. */
  function makeLazyErrorPathGenerator(fetch: { requires?: unknown }, cursor: ResultCursor): (path: GraphQLErrorOptions['path']) => GraphQLErrorOptions['path'] {
    let hydratedPaths: ResponsePath[] | undefined;
    return (errorPath) => {
      if (fetch.requires && typeof errorPath?.[1] === 'number') {
        if (!hydratedPaths) {
          hydratedPaths = [];
          generateHydratedPaths([], cursor.path, cursor.fullResult, hydratedPaths);
        }
        const hydratedPath = hydratedPaths[errorPath[1]] ?? [];
        return [...hydratedPath, ...errorPath.slice(2)];
      }
      return errorPath ? [...cursor.path, ...errorPath.slice()] : undefined;
    };
  }

  /** Apollo's `downstreamServiceError`: a subgraph's error as the client sees it (path, code, service name). */
  function downstreamServiceError(
    originalError: GraphQLFormattedError,
    serviceName: string,
    generateErrorPath: (path: GraphQLErrorOptions['path']) => GraphQLErrorOptions['path'],
  ): GraphQLError {
    let { message } = originalError;
    const { extensions } = originalError;
    if (!message) message = `Error while fetching subquery from service "${serviceName}"`;
    const errorOptions: GraphQLErrorOptions = {
      originalError: originalError as Error,
      path: generateErrorPath(originalError.path),
      extensions: { ...extensions, serviceName },
    };
    const codeDef = errorCodeDef(originalError);
    if (!codeDef && extensions?.code) return new GraphQLError(message, errorOptions);
    return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, errorOptions);
  }

  const introspecting = new WeakMap<object, boolean>();
  /** Whether an operation (or a fragment it has) selects `__schema` or `__type`, remembered per operation node. */
  function usesSchemaIntrospection(operation: object, fragments: Record<string, unknown>): boolean {
    let uses = introspecting.get(operation);
    if (uses === undefined) {
      uses = false;
      const document = { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(fragments)] } as unknown as DocumentNode;
      visit(document, {
        Field: (node: FieldNode) => {
          if (node.name.value === '__schema' || node.name.value === '__type') uses = true;
        },
      });
      introspecting.set(operation, uses);
    }
    return uses;
  }

  return { entityRepresentation, makeLazyErrorPathGenerator, downstreamServiceError, usesSchemaIntrospection };
}

/** The helpers, as plan-executor.ts uses them. */
export type PlanResults = ReturnType<typeof planResults>;

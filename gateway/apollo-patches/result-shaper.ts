/**
 * Compiled result shaping. After a query plan runs, @apollo/gateway shapes the merged subgraph data into
 * the client's answer (`computeResponse` in its resultShaping.ts): it keeps only the fields the query
 * asked for, in the query's order, applies @skip/@include, fills `__typename` and nulls what breaks
 * non-null rules. It does that by walking the federation `Operation` on every request, asking the schema
 * about each field's type and each directive through the package's re-export getters: ~20% of the
 * gateway's CPU for scenario (b) of the benchmark.
 *
 * This compiles each operation once into closures that do only what depends on the data (what
 * graphql-jit does for Hive Gateway): types, response names and @skip/@include arguments are resolved
 * ahead. Operations come from gateway/operation-cache.ts, one object per document and schema, so the
 * compiled shaper is kept in a WeakMap on that object and lives exactly as long as it.
 *
 * Only the common case is compiled: an answer with nothing to report. The moment the data is anything
 * else (a null where the schema says non-null, a wrong `__typename`, a value not valid for its scalar, a
 * missing field, a non-boolean @skip variable) the compiled shaper gives up and Apollo's own
 * `computeResponse` shapes that response from scratch, so every error, its message and its path are
 * exactly Apollo's. Operations with schema introspection, or a response name JavaScript objects treat
 * specially (`constructor`, `__proto__`, ...), are never compiled.
 */
import type {
  CompositeType,
  FieldSelection,
  isCompositeType,
  isCustomScalarType,
  isListType,
  isNonNullType,
  isSubtype,
  isValidLeafValue,
  NamedType,
  Operation,
  OutputType,
  Schema,
  Selection,
  SelectionSet,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';
import { helper, replaceable, value, type ApolloModules } from './apollo-modules.js';

/** The arguments and result of @apollo/gateway's `computeResponse`. */
export interface ShapingInput {
  operation: Operation;
  variables?: Record<string, unknown>;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (selection: FieldSelection) => unknown;
}
export interface ShapingResult {
  data: Record<string, unknown> | null | undefined;
  errors: GraphQLError[];
}
export type ComputeResponse = (args: ShapingInput) => ShapingResult;

export interface ResultShaperStats {
  /** Operations compiled (or found not compilable). */
  compiled: number;
  /** Responses shaped by a compiled shaper. */
  shaped: number;
  /** Responses handed to Apollo's own shaping (data with something to report, or an operation not compiled). */
  stock: number;
}

/** Marks the installed shaper with Apollo's function it replaced. */
const STOCK = Symbol.for('identity-federation-gateway.stock-compute-response');
type Patchable = ComputeResponse & { [STOCK]?: ComputeResponse };

/** The federation-internals classes and functions the shaper compiles with: the gateway's own instance (`instanceof` must hold). */
export interface FederationRuntime {
  Variable: abstract new (...args: never[]) => { name: string };
  isCompositeType: typeof isCompositeType;
  isCustomScalarType: typeof isCustomScalarType;
  isListType: typeof isListType;
  isNonNullType: typeof isNonNullType;
  isSubtype: typeof isSubtype;
  isValidLeafValue: typeof isValidLeafValue;
}

/** The runtime from a federation-internals module; throws PatchesRefused when something is gone. */
export function federationRuntime(internals: Record<string, unknown>): FederationRuntime {
  return {
    Variable: value<FederationRuntime['Variable']>(internals, 'Variable'),
    isCompositeType: helper(internals, 'isCompositeType'),
    isCustomScalarType: helper(internals, 'isCustomScalarType'),
    isListType: helper(internals, 'isListType'),
    isNonNullType: helper(internals, 'isNonNullType'),
    isSubtype: helper(internals, 'isSubtype'),
    isValidLeafValue: helper(internals, 'isValidLeafValue'),
  };
}

/** Apollo's own `computeResponse` of the gateway's modules. */
export function stockComputeResponse(modules: ApolloModules): ComputeResponse {
  const installed = replaceable<Patchable>(modules.shaping, 'computeResponse');
  return installed[STOCK] ?? installed;
}

/** Makes @apollo/gateway shape results with compiled shapers (once per process). Returns the counters. */
export function installResultShaper(modules: ApolloModules): ResultShaperStats {
  const stock = stockComputeResponse(modules);
  const shaper = createResultShaper(stock, federationRuntime(modules.internals));
  const current = modules.shaping.computeResponse as Patchable & { stats?: ResultShaperStats };
  if (current[STOCK]) return current.stats!;
  modules.shaping.computeResponse = Object.assign(shaper.computeResponse, { [STOCK]: stock, stats: shaper.stats });
  return shaper.stats;
}

/** A `computeResponse` answering like `fallback` (Apollo's), compiled per operation with `federation`'s classes. */
export function createResultShaper(fallback: ComputeResponse, federation: FederationRuntime): { computeResponse: ComputeResponse; stats: ResultShaperStats } {
  const stats: ResultShaperStats = { compiled: 0, shaped: 0, stock: 0 };
  const compiled = new WeakMap<Operation, CompiledOperation | null>();
  const compileOperation = compilerFor(federation);
  const computeResponse: ComputeResponse = (args) => {
    if (!args.input) return { data: args.input, errors: [] };
    let shape = compiled.get(args.operation);
    if (shape === undefined) {
      stats.compiled++;
      shape = compileOperation(args.operation);
      compiled.set(args.operation, shape);
    }
    if (shape) {
      const data = shape(args.input, args.variables);
      if (data !== GIVE_UP) {
        stats.shaped++;
        return { data, errors: [] };
      }
    }
    stats.stock++;
    return fallback(args);
  };
  return { computeResponse, stats };
}

type Data = Record<string, unknown>;
type CompiledOperation = (input: Data, variables: Record<string, unknown> | undefined) => Data | typeof GIVE_UP;

/** Thrown (and caught right away) when the data needs Apollo's shaping: something to report, or a value it would reject. */
const GIVE_UP: unique symbol = Symbol('give up');

/** What a shaper needs besides the data: the request's variables and the schema's types by name. */
interface Run {
  variables: Record<string, unknown> | undefined;
  typeOf: (name: string) => NamedType | undefined;
}

/** Applies a selection set: `input` is the fetched object, `output` the answer's object being filled. */
type Shape = (input: Data, output: Data, parentType: CompositeType, run: Run) => void;
/** Completes one value of a field, given what the answer already holds there (repeated selections). */
type Complete = (output: unknown, input: unknown, run: Run) => unknown;
type Condition = (run: Run) => boolean;

class NotCompilable extends Error {}

/** The compiler of operations into shapers, over one federation-internals instance. */
function compilerFor(federation: FederationRuntime): (operation: Operation) => CompiledOperation | null {
  const { Variable, isCompositeType, isCustomScalarType, isListType, isNonNullType, isSubtype, isValidLeafValue } = federation;

  function compileOperation(operation: Operation): CompiledOperation | null {
    const schema = operation.schema();
    let shape: Shape;
    try {
      shape = compileSelectionSet(schema, operation.selectionSet);
    } catch (error) {
      if (error instanceof NotCompilable) return null;
      throw error;
    }
    const root = schema.schemaDefinition.rootType(operation.rootKind) as CompositeType;
    const defaults = operation.collectDefaultedVariableValues();
    const hasDefaults = Object.keys(defaults).length > 0;
    // Types are looked up by the `__typename`s in the data; only names the schema knows are remembered.
    const types = new Map<string, NamedType>();
    const typeOf = (name: string) => {
      let type = types.get(name);
      if (type === undefined) {
        type = schema.type(name);
        if (type) types.set(name, type);
      }
      return type;
    };
    return (input, variables) => {
      // As Apollo: defaults first, then the request's own values over them.
      const run: Run = { variables: hasDefaults ? Object.assign(Object.create(null) as Data, defaults, variables) : variables, typeOf };
      const output: Data = {};
      try {
        shape(input, output, root, run);
      } catch (error) {
        if (error === GIVE_UP) return GIVE_UP;
        throw error;
      }
      return output;
    };
  }

  function compileSelectionSet(schema: Schema, selectionSet: SelectionSet): Shape {
    const steps: Shape[] = selectionSet.selections().map((selection) => {
      const skipped = compileSkip(schema, selection.element);
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        const responseName = field.responseName();
        // Output objects are plain objects: names they inherit would read as already filled.
        if (responseName in Object.prototype || responseName === '__proto__') throw new NotCompilable();
        if (field.definition.isSchemaIntrospectionField()) throw new NotCompilable();
        if (field.name === '__typename') return typenameStep(responseName, skipped);
        const complete = compileValue(schema, field.definition.type!, selection.selectionSet);
        return (input, output, _parentType, run) => {
          if (skipped?.(run)) return;
          const value = input[responseName];
          output[responseName] = complete(output[responseName], value === undefined ? null : value, run);
        };
      }
      const condition = selection.element.typeCondition;
      const applies = condition && typeConditionTest(condition);
      const shape = compileSelectionSet(schema, selection.selectionSet);
      return (input, output, parentType, run) => {
        if (skipped?.(run)) return;
        const typename = input.__typename;
        if (typename && typeof typename !== 'string') throw GIVE_UP;
        if (!applies) return shape(input, output, parentType, run);
        if (applies(typename as string | undefined, parentType, run)) shape(input, output, condition, run);
      };
    });
    return (input, output, parentType, run) => {
      for (const step of steps) step(input, output, parentType, run);
    };
  }

  /** `__typename`: the type named by the data if the schema has it, else the parent type; an object type or Apollo nulls the parent. */
  function typenameStep(responseName: string, skipped: Condition | undefined): Shape {
    return (input, output, parentType, run) => {
      if (skipped?.(run) || output[responseName] !== undefined) return;
      let value = input[responseName] ?? null;
      if (value === null && responseName !== '__typename') value = input.__typename ?? null;
      const type = typeof value === 'string' ? (run.typeOf(value) ?? parentType) : parentType;
      if (type.kind !== 'ObjectType') throw GIVE_UP;
      output[responseName] = type.name;
    };
  }

  /** Apollo's `typeConditionApplies`, remembered per type (the answer depends only on the types). */
  function typeConditionTest(condition: CompositeType): (typename: string | undefined, parentType: CompositeType, run: Run) => boolean {
    const byType = new Map<NamedType, boolean>();
    const test = (type: NamedType) => {
      let applies = byType.get(type);
      if (applies === undefined) byType.set(type, (applies = isSubtype(condition, type)));
      return applies;
    };
    return (typename, parentType, run) => {
      if (!typename) return test(parentType);
      const type = run.typeOf(typename);
      return type !== undefined && test(type);
    };
  }

  /** @skip/@include of a selection, resolved ahead where constant; undefined when it has neither. */
  function compileSkip(schema: Schema, element: Selection['element']): Condition | undefined {
    const skip = element.appliedDirectivesOf(schema.skipDirective())[0]?.arguments().if;
    const include = element.appliedDirectivesOf(schema.includeDirective())[0]?.arguments().if;
    if (skip === undefined && include === undefined) return undefined;
    const value = (argument: unknown): Condition => {
      if (!(argument instanceof Variable)) return () => Boolean(argument);
      const name = argument.name;
      return (run) => {
        const given = run.variables?.[name];
        if (typeof given !== 'boolean') throw GIVE_UP;
        return given;
      };
    };
    const skipIf = skip === undefined ? undefined : value(skip);
    const includeIf = include === undefined ? undefined : value(include);
    return (run: Run) => (skipIf !== undefined && skipIf(run)) || (includeIf !== undefined && !includeIf(run));
  }

  /** Apollo's `updateOutputValue` for one type, without the error paths (those give up). */
  function compileValue(schema: Schema, type: OutputType, selectionSet: SelectionSet | undefined): Complete {
    const hasSelections = selectionSet !== undefined;
    if (isNonNullType(type)) {
      const inner = compileValue(schema, type.ofType, selectionSet);
      return (output, input, run) => {
        if (input === undefined) throw GIVE_UP;
        if (output === null || (output !== undefined && !hasSelections)) return output;
        const value = inner(output, input, run);
        if (value === null) throw GIVE_UP; // Apollo reports a null for a non-null field
        return value;
      };
    }
    if (isListType(type)) {
      const inner = compileValue(schema, type.ofType, selectionSet);
      return (output, input, run) => {
        if (input === undefined) throw GIVE_UP;
        if (output === null || (output !== undefined && !hasSelections)) return output;
        if (input === null) return null;
        if (!Array.isArray(input) || (output !== undefined && (!Array.isArray(output) || output.length !== input.length))) throw GIVE_UP;
        const list: unknown[] = [];
        for (let i = 0; i < input.length; i++) list.push(inner(output === undefined ? undefined : (output as unknown[])[i], input[i], run));
        return list;
      };
    }
    if (isCompositeType(type)) {
      if (!selectionSet) throw new NotCompilable();
      const shape = compileSelectionSet(schema, selectionSet);
      return (output, input, run) => {
        if (input === undefined) throw GIVE_UP;
        if (output === null) return output;
        if (input === null) return null;
        // Arrays would answer inherited names (`map`, `length`) where Apollo reads only own fields.
        if (typeof input !== 'object' || Array.isArray(input) || (output !== undefined && typeof output !== 'object')) throw GIVE_UP;
        const typename = (input as Data).__typename;
        let objectType: CompositeType = type;
        if (typename !== undefined) {
          if (typeof typename !== 'string') throw GIVE_UP;
          if (typename) {
            const named = run.typeOf(typename);
            if (!named || !isCompositeType(named)) throw GIVE_UP;
            objectType = named;
          }
        }
        const object = (output ?? {}) as Data;
        shape(input as Data, object, objectType, run);
        return object;
      };
    }
    const valid = leafCheck(schema, type);
    return (output, input) => {
      if (input === undefined) throw GIVE_UP;
      if (output !== undefined) return output;
      if (input === null) return null;
      if (!valid(input)) throw GIVE_UP;
      return input;
    };
  }

  /** Apollo's `isValidLeafValue` for one scalar or enum type, with a quick yes for the usual values. */
  function leafCheck(schema: Schema, type: OutputType): (value: unknown) => boolean {
    const leaf = type as Parameters<typeof isValidLeafValue>[2];
    if (isCustomScalarType(leaf)) return () => true;
    const full = (value: unknown) => isValidLeafValue(schema, value, leaf);
    if (leaf === schema.stringType()) return (value) => typeof value === 'string' || full(value);
    if (leaf === schema.booleanType()) return (value) => typeof value === 'boolean' || full(value);
    if (leaf === schema.intType()) return (value) => Number.isSafeInteger(value) || full(value);
    if (leaf === schema.idType()) return (value) => typeof value === 'string' || Number.isSafeInteger(value) || full(value);
    if (leaf === schema.floatType()) return (value) => Number.isFinite(value) || full(value);
    return full;
  }

  return compileOperation;
}

/**
 * Compiled result shaping answers exactly as Apollo's own: the same data, byte for byte, and the same
 * errors, for the repository's real documents and for a schema with interfaces, unions, enums and custom
 * scalars. Each document's subgraph data is generated many times from a seed, mostly well-formed and
 * sometimes not (nulls in non-null fields, wrong or unknown `__typename`s, invalid scalars, missing
 * fields, extra fields, @skip/@include variables true, false or missing), and shaped both ways.
 */
import { composeServices } from '@apollo/composition';
import {
  isCompositeType,
  isListType,
  isNonNullType,
  isSubtype,
  operationFromDocument,
  possibleRuntimeTypes,
  Supergraph,
  type CompositeType,
  type FieldSelection,
  type ObjectType,
  type Operation,
  type OutputType,
  type Schema,
  type SelectionSet,
} from '@apollo/federation-internals';
import { parse, type GraphQLError } from 'graphql';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BURST_ANONYMOUS_QUERY, BURST_QUERY, DEMO_QUERY } from '../../bench/subgraphs/demo-static.js';
import { HEAVY_QUERY, ONE_SUBGRAPH_QUERY, SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';
import { ApolloGateway } from '@apollo/gateway';
import { apolloModulesOf } from '../../gateway/apollo-patches/apollo-modules.js';
import { createResultShaper, federationRuntime, stockComputeResponse as stockOf, type ShapingInput } from '../../gateway/apollo-patches/result-shaper.js';
import { withEnforcedAuthorization } from '../../platform/graphql/authorization-specs.js';

const modules = apolloModulesOf(ApolloGateway);
const stockComputeResponse = stockOf(modules);
const federation = federationRuntime(modules.internals);

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';
/** Abstract types, enums, a custom scalar, non-null lists: what the repository's own schema does not have. */
const ABSTRACT_SUBGRAPHS = [
  {
    name: 'catalog',
    typeDefs: parse(`${LINK}
      scalar JSON
      enum Color { RED GREEN }
      interface Node { id: ID! }
      type Book implements Node @key(fields: "id") { id: ID! title: String! pages: Int color: Color meta: JSON }
      type Film implements Node @key(fields: "id") { id: ID! title: String minutes: Float! tags: [String!] }
      union Item = Book | Film
      type Query { node(id: ID!): Node items: [Item!]! nodes: [Node] flag: Boolean count: Int! }`),
  },
  {
    name: 'reviews',
    typeDefs: parse(`${LINK}
      type Book @key(fields: "id") { id: ID! rating: Float reviewers: [Person!] }
      type Person { name: String! friends: [Person] }`),
  },
];
const ABSTRACT_QUERIES = [
  `query Items($withTitle: Boolean!, $skipPages: Boolean = false) {
    items { __typename ... on Book { id title @include(if: $withTitle) pages @skip(if: $skipPages) color meta rating reviewers { name friends { name } } } ... on Film { id minutes tags title } }
    nodes { id ...Titles }
    a: node(id: "1") { kind: __typename ... on Node { id } }
    flag count
  }
  fragment Titles on Node { __typename ... on Book { title } ... on Film { title } }`,
  `{ first: items { ... on Book { id t: title } } items { ... on Book { id } ... on Book { title rating } } node(id: "2") { id ... on Film { minutes } ... on Node { id } } }`,
  `query Literal { node(id: "x") { ... @include(if: false) { id } ... @skip(if: false) { __typename } } count @skip(if: true) flag @include(if: true) }`,
  `query Repeated($on: Boolean) { nodes { id } nodes { __typename ... on Book { reviewers { name } } } nodes @include(if: $on) { ... on Book { reviewers { friends { name } } } } }`,
  // Never compiled: Apollo's own shaping answers these (introspection, names plain objects inherit).
  `{ __typename count __schema { queryType { name } } }`,
  `{ constructor: count toString: flag }`,
];

function apiSchemaOf(subgraphs: { name: string; typeDefs: ReturnType<typeof parse> }[]): Schema {
  const composed = composeServices(subgraphs.map((s) => ({ ...s, url: `http://127.0.0.1/${s.name}` })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return Supergraph.build(withEnforcedAuthorization(composed.supergraphSdl)).apiSchema();
}

const realDocuments = Object.values(
  JSON.parse(readFileSync(new URL('../../packages/client/src/generated/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>,
);
const SCHEMAS: { name: string; schema: () => Schema; queries: string[] }[] = [
  {
    name: 'the platform supergraph (client documents, demo and live-stream pages)',
    schema: () => Supergraph.build(withEnforcedAuthorization(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'))).apiSchema(),
    queries: [...realDocuments, DEMO_QUERY, BURST_QUERY, BURST_ANONYMOUS_QUERY],
  },
  { name: 'the benchmark supergraph (heavy nested query)', schema: () => apiSchemaOf(SYNTHETIC_SUBGRAPHS), queries: [HEAVY_QUERY, ONE_SUBGRAPH_QUERY] },
  { name: 'a supergraph with interfaces, unions, enums and custom scalars', schema: () => apiSchemaOf(ABSTRACT_SUBGRAPHS), queries: ABSTRACT_QUERIES },
];

/** Deterministic random numbers (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Subgraph-like data for an operation: well-formed with probability ~1 - `odd` per value, odd otherwise. */
function generate(operation: Operation, rnd: () => number, odd: number): Record<string, unknown> {
  const schema = operation.schema();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const runtimeOf = new WeakMap<object, ObjectType>();

  const fill = (selectionSet: SelectionSet, object: Record<string, unknown>, runtime: ObjectType, depth: number) => {
    for (const selection of selectionSet.selections()) {
      if (selection.kind === 'FieldSelection') {
        const field = (selection as FieldSelection).element;
        const name = field.responseName();
        if (field.name === '__typename') {
          if (name !== '__typename' && chance(0.5)) object[name] = chance(odd) ? 'Unknown' : runtime.name;
          continue;
        }
        if (chance(odd / 2)) continue; // a missing field
        if (name in object) object[name] = refill(object[name], field.definition.type!, selection.selectionSet, depth);
        else object[name] = value(field.definition.type!, selection.selectionSet, depth);
      } else {
        const condition = selection.element.typeCondition;
        if (!condition || isSubtype(condition, runtime) || chance(odd)) fill(selection.selectionSet, object, runtime, depth);
      }
    }
    if (chance(0.2)) object.notAsked = 'extra';
  };
  const refill = (existing: unknown, type: OutputType, selectionSet: SelectionSet | undefined, depth: number): unknown => {
    if (!selectionSet || existing === null || typeof existing !== 'object') return existing;
    if (Array.isArray(existing)) {
      const inner = isNonNullType(type) ? type.ofType : type;
      return existing.map((x: unknown) => refill(x, isListType(inner) ? inner.ofType : inner, selectionSet, depth));
    }
    const runtime = runtimeOf.get(existing);
    if (runtime) fill(selectionSet, existing as Record<string, unknown>, runtime, depth + 1);
    return existing;
  };
  const object = (type: CompositeType, selectionSet: SelectionSet, depth: number) => {
    const runtime = pick(possibleRuntimeTypes(type));
    const result: Record<string, unknown> = {};
    runtimeOf.set(result, runtime);
    if (type.kind !== 'ObjectType' || chance(0.3)) {
      result.__typename = chance(odd) ? pick(['Nope', 'Node', 'Query', 42, '']) : runtime.name;
    }
    fill(selectionSet, result, runtime, depth + 1);
    return result;
  };
  const value = (type: OutputType, selectionSet: SelectionSet | undefined, depth: number, nullable = true): unknown => {
    if (isNonNullType(type)) return chance(odd / 2) ? null : value(type.ofType, selectionSet, depth, false);
    if (nullable && chance(0.08)) return null;
    if (isListType(type)) {
      if (chance(odd / 4)) return 'not a list';
      return Array.from({ length: depth > 4 ? 0 : Math.floor(rnd() * 4) }, () => value(type.ofType, selectionSet, depth));
    }
    if (isCompositeType(type)) return chance(odd / 4) ? pick([7, 'text']) : object(type, selectionSet!, depth);
    if (chance(odd)) return pick([1.5, 'x', true, 2 ** 60, { a: 1 }, NaN]);
    switch (type.name) {
      case 'Int':
        return Math.floor(rnd() * 1000) - 500;
      case 'Float':
        return rnd() * 100;
      case 'Boolean':
        return chance(0.5);
      case 'ID':
        return chance(0.7) ? `id${Math.floor(rnd() * 100)}` : Math.floor(rnd() * 100);
      case 'String':
        return `text ${Math.floor(rnd() * 100)}`;
      default:
        return type.kind === 'EnumType' ? (chance(odd) ? 'PURPLE' : pick(type.values).name) : { custom: [1, 'two'] };
    }
  };
  const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  fill(operation.selectionSet, root, schema.schemaDefinition.rootType(operation.rootKind)!, 0);
  return root;
}

/** What a client would see of a shaping result: the data's JSON and each error's message, path and code. */
function seen(result: { data: unknown; errors: GraphQLError[] }) {
  return {
    data: JSON.stringify(result.data),
    errors: result.errors.map((e) => JSON.stringify({ message: e.message, path: e.path, extensions: e.extensions })),
  };
}

describe('compiled result shaping', () => {
  for (const { name, schema: build, queries } of SCHEMAS) {
    it(`answers exactly as Apollo's shaping on ${name}`, () => {
      const schema = build();
      const shaper = createResultShaper(stockComputeResponse, federation);
      let compared = 0;
      for (const [q, query] of queries.entries()) {
        const operation = operationFromDocument(schema, parse(query), { validate: false });
        const variableNames = operation.variableDefinitions.definitions().map((d) => d.variable.name);
        const rnd = random(1000 + q);
        for (let i = 0; i < 300; i++) {
          // A third of the runs well-formed throughout, the rest with something odd here and there.
          const odd = i % 3 === 0 ? 0 : 0.03;
          const input = generate(operation, rnd, odd);
          const variables = Object.fromEntries(variableNames.filter(() => rnd() < 0.9).map((v) => [v, rnd() < 0.95 ? rnd() < 0.5 : 'yes']));
          const args: ShapingInput = { operation, variables, input, introspectionHandling: () => ({ queryType: { name: 'Query' } }) };
          const ours = (() => {
            try {
              return { result: seen(shaper.computeResponse(args)) };
            } catch (error) {
              return { thrown: (error as Error).message };
            }
          })();
          const apollos = (() => {
            try {
              return { result: seen(stockComputeResponse(args)) };
            } catch (error) {
              return { thrown: (error as Error).message };
            }
          })();
          expect(ours, `${query}\ninput ${JSON.stringify(input)}\nvariables ${JSON.stringify(variables)}`).toEqual(apollos);
          compared++;
        }
      }
      expect(compared).toBe(queries.length * 300);
      // Both paths ran: compiled shapers for well-formed data, Apollo's for the rest.
      expect(shaper.stats.shaped).toBeGreaterThan(0);
      expect(shaper.stats.stock).toBeGreaterThan(0);
    });
  }

  it('shapes well-formed data of the heavy query with the compiled shaper, compiling once', () => {
    const schema = apiSchemaOf(SYNTHETIC_SUBGRAPHS);
    const operation = operationFromDocument(schema, parse(HEAVY_QUERY), { validate: false });
    const shaper = createResultShaper(stockComputeResponse, federation);
    const rnd = random(7);
    for (let i = 0; i < 20; i++) {
      const input = generate(operation, rnd, 0);
      const args = { operation, input, introspectionHandling: () => null };
      expect(seen(shaper.computeResponse(args))).toEqual(seen(stockComputeResponse(args)));
    }
    expect(shaper.stats).toEqual({ compiled: 1, shaped: 20, stock: 0 });
  });
});

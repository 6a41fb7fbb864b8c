/**
 * Composition for checks and the dev loop: the platform's subgraphs with one of them replaced (or one
 * added), composed as `npm run compose` would, with every error's code and where in which SDL it is.
 */
import { composeServices } from '@apollo/composition';
import { Supergraph, printSchema } from '@apollo/federation-internals';
import { withEnforcedAuthorization } from '../../platform/graphql/authorization-specs.js';
import { GraphQLError, Source, buildSchema, getLocation, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { SubgraphSource } from '../subgraph-sources.js';

/** Where an error points: a file (or subgraph label), line and column. */
export interface SdlLocation {
  origin: string;
  line: number;
  column: number;
}

/** One composition error, as rover prints it: a code, the message and its locations. */
export interface CompositionIssue {
  code: string;
  message: string;
  locations: SdlLocation[];
}

export type CompositionOutcome = { ok: true; supergraphSdl: string; apiSchema: GraphQLSchema } | { ok: false; errors: CompositionIssue[] };

/** Replaces the subgraph of the same name in `subgraphs`, or adds it when none has that name. */
export function withSubgraph(subgraphs: SubgraphSource[], proposal: SubgraphSource): SubgraphSource[] {
  const replaced = subgraphs.some((s) => s.name === proposal.name);
  return replaced ? subgraphs.map((s) => (s.name === proposal.name ? proposal : s)) : [...subgraphs, proposal];
}

function issueOf(error: GraphQLError, fallbackCode: string): CompositionIssue {
  const code = typeof error.extensions.code === 'string' ? error.extensions.code : fallbackCode;
  const locations = (error.nodes ?? []).flatMap((node) => {
    if (!node.loc) return [];
    const { line, column } = getLocation(node.loc.source, node.loc.start);
    return [{ origin: node.loc.source.name, line, column }];
  });
  if (locations.length === 0 && error.source && error.locations)
    for (const { line, column } of error.locations) locations.push({ origin: error.source.name, line, column });
  return { code, message: error.message, locations };
}

/** Composes the subgraphs; a subgraph whose SDL does not parse is an `INVALID_GRAPHQL` error, as rover reports it. */
export function composeSubgraphs(subgraphs: SubgraphSource[]): CompositionOutcome {
  const parsed: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  const errors: CompositionIssue[] = [];
  for (const subgraph of subgraphs) {
    try {
      parsed.push({ name: subgraph.name, url: subgraph.url, typeDefs: parse(new Source(subgraph.sdl, subgraph.origin)) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      errors.push(issueOf(error, 'INVALID_GRAPHQL'));
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(parsed);
  if (result.errors) return { ok: false, errors: result.errors.map((e) => issueOf(e, 'COMPOSITION_ERROR')) };
  return { ok: true, supergraphSdl: result.supergraphSdl, apiSchema: apiSchemaOf(result.supergraphSdl) };
}

/** The schema clients see (no join__/link__ machinery, no @inaccessible elements) of a supergraph. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // Through SDL text: federation-internals builds its graphql-js objects with the CommonJS graphql, and
  // graphql-js refuses to mix them with this module's ESM copy.
  return buildSchema(printSchema(Supergraph.build(withEnforcedAuthorization(supergraphSdl)).apiSchema()));
}

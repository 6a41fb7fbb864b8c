/**
 * Static composition: the subgraphs of a supergraph config, composed into one Federation 2 supergraph.
 * Composition errors name the subgraph and the problem, so a merchant team sees exactly what their
 * change broke.
 */
import { composeServices } from '@apollo/composition';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { SubgraphSchema } from './supergraph-config.js';

export class CompositionError extends Error {}

export function composeSupergraph(subgraphs: SubgraphSchema[]): string {
  const services = subgraphs.map((subgraph) => ({ name: subgraph.name, url: subgraph.routingUrl, typeDefs: parseSdl(subgraph) }));
  const result = composeServices(services);
  if (result.errors) {
    throw new CompositionError(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

function parseSdl(subgraph: SubgraphSchema): DocumentNode {
  try {
    return parse(subgraph.sdl);
  } catch (error) {
    const where = error instanceof GraphQLError && error.locations?.[0] ? `:${error.locations[0].line}:${error.locations[0].column}` : '';
    throw new CompositionError(`${subgraph.name} subgraph: ${subgraph.schemaFile}${where}: ${(error as Error).message}`);
  }
}

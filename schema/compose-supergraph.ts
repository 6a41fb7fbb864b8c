/**
 * Static composition: the subgraphs named in the platform config, composed into one Federation 2
 * supergraph. Composition errors name the subgraph and the problem, so a merchant team sees exactly
 * what their change broke.
 */
import { composeServices } from '@apollo/composition';
import type { PlatformConfig } from '../platform/config/platform-config.js';
import { SUBGRAPH_TYPE_DEFS } from './subgraph-sdl.js';

export class CompositionError extends Error {}

export function composeSupergraph(config: PlatformConfig): string {
  const services = config.subgraphs.map((subgraph) => {
    const typeDefs = SUBGRAPH_TYPE_DEFS[subgraph.name];
    if (!typeDefs) throw new CompositionError(`subgraph "${subgraph.name}" is in the platform config but has no schema in schema/subgraph-sdl.ts`);
    return { name: subgraph.name, url: subgraph.url, typeDefs };
  });
  const result = composeServices(services);
  if (result.errors) {
    throw new CompositionError(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

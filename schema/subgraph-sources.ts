/**
 * Where the working tree's subgraph SDLs come from, for `schema:check` and the dev loop. One function,
 * so moving the SDLs (to `subgraphs/<name>/schema.graphql` files listed in a config) is one edit here.
 */
import { print } from 'graphql';
import type { PlatformConfig } from '../platform/config/platform-config.js';
import { SUBGRAPH_TYPE_DEFS } from './subgraph-sdl.js';

/** One subgraph as composition sees it. */
export interface SubgraphSource {
  name: string;
  /** Its routing URL (written into the supergraph). */
  url: string;
  sdl: string;
  /** Where the SDL came from, as error locations name it. */
  origin: string;
}

/** Every subgraph in the platform config, with the SDL the working tree defines for it. */
export function workingTreeSubgraphs(config: PlatformConfig): SubgraphSource[] {
  return config.subgraphs.map((subgraph) => {
    const typeDefs = SUBGRAPH_TYPE_DEFS[subgraph.name];
    if (!typeDefs) throw new Error(`subgraph "${subgraph.name}" is in the platform config but has no schema in schema/subgraph-sdl.ts`);
    return { name: subgraph.name, url: subgraph.url, sdl: print(typeDefs), origin: `subgraphs/${subgraph.name} (schema.ts)` };
  });
}

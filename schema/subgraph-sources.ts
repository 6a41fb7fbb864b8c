/**
 * Where the working tree's subgraph SDLs come from, for `schema:check` and the dev loop: the schema files
 * `schema/supergraph.yaml` lists, checked against the platform config.
 */
import { relative } from 'node:path';
import type { PlatformConfig } from '../platform/config/platform-config.js';
import { checkAgainstPlatform, loadSupergraphConfig, readSubgraphSchemas } from './supergraph-config.js';

/** One subgraph as composition sees it. */
export interface SubgraphSource {
  name: string;
  /** Its routing URL (written into the supergraph). */
  url: string;
  sdl: string;
  /** Where the SDL came from, as error locations name it. */
  origin: string;
}

/** Every subgraph of `schema/supergraph.yaml`, with the SDL of its schema file in the working tree. */
export function workingTreeSubgraphs(platform: PlatformConfig): SubgraphSource[] {
  const config = loadSupergraphConfig();
  checkAgainstPlatform(config, platform);
  return readSubgraphSchemas(config).map((s) => ({ name: s.name, url: s.routingUrl, sdl: s.sdl, origin: relative(process.cwd(), s.schemaFile) }));
}

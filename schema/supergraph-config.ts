/**
 * `schema/supergraph.yaml`: the subgraphs the supergraph is made of, in rover's supergraph config format
 * (`federation_version`, `subgraphs.<name>.routing_url`, `subgraphs.<name>.schema.file`), so a merchant
 * team's `rover supergraph compose --config schema/supergraph.yaml` composes exactly what
 * `npm run compose` does. Composition, the launcher and the test system all take the subgraph list from
 * here; a bad file stops them with a message that names the field.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { PlatformConfig } from '../platform/config/platform-config.js';

/** The committed config `npm run compose` reads. */
export const SUPERGRAPH_CONFIG_PATH = fileURLToPath(new URL('./supergraph.yaml', import.meta.url));

const SubgraphEntrySchema = z
  .object({
    routing_url: z.string().url(),
    // rover also reads schemas from a running subgraph (subgraph_url) or GraphOS (graph_ref); here the SDL is
    // always a file beside the service, so composition never depends on anything running.
    schema: z.object({ file: z.string().min(1, 'must name the .graphql file (relative to supergraph.yaml)') }).strict(),
  })
  .strict();

const SupergraphConfigSchema = z
  .object({
    federation_version: z
      .union([z.string(), z.number()])
      .transform(String)
      .refine((v) => /^=?2(\.\d+){0,2}$/.test(v), 'must be a Federation 2 version, e.g. "=2.14.4"'),
    subgraphs: z
      .record(z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'subgraph names are lower-case letters, digits and dashes'), SubgraphEntrySchema)
      .refine((subgraphs) => Object.keys(subgraphs).length > 0, 'must list at least one subgraph'),
  })
  .strict();

/** One subgraph as the config names it. */
export interface SubgraphSource {
  name: string;
  routingUrl: string;
  /** Absolute path of the subgraph's SDL file; the service's folder is the file's folder. */
  schemaFile: string;
}

export interface SupergraphConfig {
  /** Where the config was read from. */
  path: string;
  federationVersion: string;
  subgraphs: SubgraphSource[];
}

/** A subgraph with its SDL, as composition and schema checks take it. */
export interface SubgraphSchema extends SubgraphSource {
  sdl: string;
}

/** Thrown when supergraph.yaml or a schema file it names is unreadable or invalid; the message names the field. */
export class SupergraphConfigError extends Error {}

/** Reads and validates a supergraph config; `schema.file` paths resolve against the config's folder, as in rover. */
export function loadSupergraphConfig(path: string = SUPERGRAPH_CONFIG_PATH): SupergraphConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SupergraphConfigError(`cannot read supergraph config ${path}: ${(error as Error).message}`);
  }
  const result = SupergraphConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SupergraphConfigError(`supergraph config ${path} is invalid:\n${lines.join('\n')}`);
  }
  const base = dirname(path);
  return {
    path,
    federationVersion: result.data.federation_version,
    subgraphs: Object.entries(result.data.subgraphs).map(([name, entry]) => ({
      name,
      routingUrl: entry.routing_url,
      schemaFile: resolve(base, entry.schema.file),
    })),
  };
}

/** Each subgraph of the config with the SDL of its schema file. */
export function readSubgraphSchemas(config: SupergraphConfig): SubgraphSchema[] {
  return config.subgraphs.map((subgraph) => {
    try {
      return { ...subgraph, sdl: readFileSync(subgraph.schemaFile, 'utf8') };
    } catch (error) {
      throw new SupergraphConfigError(`subgraphs.${subgraph.name}.schema.file: cannot read ${subgraph.schemaFile}: ${(error as Error).message}`);
    }
  });
}

/**
 * Every subgraph of `schema/supergraph.yaml` (or the config at `path`) with its SDL: what composition,
 * `schema:check` and `dev:subgraph` start from.
 */
export function loadSubgraphSchemas(path: string = SUPERGRAPH_CONFIG_PATH): SubgraphSchema[] {
  return readSubgraphSchemas(loadSupergraphConfig(path));
}

/**
 * The supergraph config and the platform config must name the same subgraphs at the same URLs: one says
 * what is composed and routed, the other who owns each subgraph and which secret signs for it.
 */
export function checkAgainstPlatform(config: SupergraphConfig, platform: PlatformConfig): void {
  const problems: string[] = [];
  const listed = new Map(config.subgraphs.map((s) => [s.name, s]));
  for (const subgraph of platform.subgraphs) {
    const entry = listed.get(subgraph.name);
    if (!entry) problems.push(`subgraphs.${subgraph.name}: in the platform config but missing here`);
    else if (entry.routingUrl !== subgraph.url)
      problems.push(`subgraphs.${subgraph.name}.routing_url: ${entry.routingUrl} differs from the platform config's url ${subgraph.url}`);
  }
  const known = new Set(platform.subgraphs.map((s) => s.name));
  for (const entry of config.subgraphs) if (!known.has(entry.name)) problems.push(`subgraphs.${entry.name}: not in the platform config's subgraphs`);
  if (problems.length) throw new SupergraphConfigError(`supergraph config ${config.path} disagrees with the platform config:\n  - ${problems.join('\n  - ')}`);
}

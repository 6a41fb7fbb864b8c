/**
 * The layer table (STYLE.md rule 15, "Layers point down") and the check of every import against it.
 *
 * | layer    | folders (one unit each)                              | may import                                              |
 * |----------|------------------------------------------------------|---------------------------------------------------------|
 * | package  | packages/<name>                                      | its own package only (files, or its own name)           |
 * | platform | platform                                             | platform, the packages by name                          |
 * | service  | gateway, schema, console, subgraphs/<name>           | itself, platform, the packages by name, ENTRY_POINTS    |
 * | example  | examples                                             | itself, the packages by name                            |
 * | top      | dev, bench, test, console/test-browser, root files   | anything                                                |
 *
 * Outside the top layer the packages are imported by name (their built entry point), never by path.
 */
import type { ImportEdge } from './import-graph.js';

export type Layer = 'package' | 'platform' | 'service' | 'example' | 'top';

/** Where a file sits: its layer, and its unit (the folder it may import freely within). */
export interface Place {
  layer: Layer;
  unit: string;
}

/** Folders of each layer; `x/*` makes each subfolder its own unit, `.` is the files at the root. */
export const LAYERS: readonly { layer: Layer; folders: readonly string[] }[] = [
  { layer: 'package', folders: ['packages/*'] },
  { layer: 'platform', folders: ['platform'] },
  { layer: 'service', folders: ['gateway', 'schema', 'console', 'subgraphs/*'] },
  { layer: 'example', folders: ['examples'] },
  // The console's browser tests are tests; the root files are tooling config (codegen, vitest).
  { layer: 'top', folders: ['dev', 'bench', 'test', 'console/test-browser', '.'] },
];

/**
 * The intended ways from one service into another: each names the one module, who may import it (a unit,
 * or `subgraphs/*` for every subgraph), and why. Anything else of another service is its internals.
 */
export const ENTRY_POINTS: readonly { file: string; importers: readonly string[]; why: string }[] = [
  {
    file: 'subgraphs/identity/privacy-api.ts',
    importers: ['console'],
    why: "the console acts on a person's data with the identity service's privacy rights, through this one module",
  },
  {
    file: 'subgraphs/merchant-process/merchant-subgraph.ts',
    importers: ['subgraphs/*'],
    why: 'a merchant subgraph declares itself (defineMerchantSubgraph) for the process that runs it',
  },
  {
    file: 'schema/supergraph-config.ts',
    importers: ['subgraphs/merchant-process'],
    why: "the merchant process finds its subgraph's schema file in schema/supergraph.yaml",
  },
];

/** The place of a repository file; undefined when no folder of the table holds it. */
export function placeOf(file: string): Place | undefined {
  let best: Place | undefined;
  for (const { layer, folders } of LAYERS) {
    for (const folder of folders) {
      const unit = unitIn(folder, file);
      // The most specific folder wins: console/test-browser over console.
      if (unit !== undefined && (!best || unit.length > best.unit.length)) best = { layer, unit };
    }
  }
  return best;
}

function unitIn(folder: string, file: string): string | undefined {
  if (folder === '.') return file.includes('/') ? undefined : '.';
  if (folder.endsWith('/*')) {
    const base = folder.slice(0, -1);
    const rest = file.startsWith(base) ? file.slice(base.length).split('/') : [];
    return rest.length > 1 ? base + rest[0] : undefined;
  }
  return file.startsWith(`${folder}/`) ? folder : undefined;
}

/** Why `edge` breaks the table, or undefined when it keeps it. */
export function layerViolation(edge: ImportEdge): string | undefined {
  const from = placeOf(edge.from);
  const target = edge.packageDir ?? edge.file;
  const says = `${edge.from} imports ${target ?? edge.specifier} ('${edge.specifier}')`;
  if (!from) return `${edge.from} is in no folder of the layer table (test/architecture/layer-rules.ts): add its folder to LAYERS`;
  if (from.layer === 'top') return undefined;
  if (!target) return `${says}, which is no file: fix the path`;
  const to: Place | undefined = edge.packageDir ? { layer: 'package', unit: edge.packageDir } : placeOf(target);
  if (!to) return `${says}, which is in no folder of the layer table: move it into a layer`;
  if (to.unit === from.unit) return undefined;
  if (from.layer === 'package') return `${says}: a package imports only its own files, since it installs and runs elsewhere`;
  if (to.layer === 'package') {
    return edge.packageDir ? undefined : `${says}: import ${to.unit} by its package name (its built entry point), never by path`;
  }
  if (from.layer === 'example') return `${says}: an example imports only its own files and the packages, as the teams that install them do`;
  if (to.layer === 'top') return `${says}: ${from.unit} (${from.layer}) must not import ${to.unit}, which sits on top of every layer`;
  if (from.layer === 'platform') return `${says}: platform/ is the bottom layer and imports only platform/ and the packages; move what it needs down`;
  if (to.layer === 'platform') return undefined;
  const entry = ENTRY_POINTS.find((e) => e.file === target);
  if (entry?.importers.some((importer) => importer === from.unit || (importer.endsWith('/*') && from.unit.startsWith(importer.slice(0, -1))))) {
    return undefined;
  }
  return entry
    ? `${says}: ${target} is an entry point of ${to.unit} for ${entry.importers.join(', ')} only, not for ${from.unit}`
    : `${says}: a service imports its own folder, platform/ and the packages; ${target} is internal to ${to.unit} (no entry point in ENTRY_POINTS)`;
}

/** Every import that breaks the table, one message each (a file outside the table is named once). */
export function layerViolations(edges: readonly ImportEdge[]): string[] {
  return [...new Set(edges.map(layerViolation).filter((message): message is string => message !== undefined))];
}

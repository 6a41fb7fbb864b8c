/**
 * The dev loop's composition: reads the foreign subgraph's SDL through `_service { sdl }`, composes it
 * with the platform's subgraphs and writes the supergraph file the dev gateway watches. Polled: a changed
 * SDL is recomposed; a composition error is printed and the last good supergraph keeps serving.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { composeSubgraphs, withSubgraph, type CompositionIssue } from '../../schema/check/composition.js';
import type { SubgraphSource } from '../../schema/subgraph-sources.js';

export interface ForeignComposerOptions {
  name: string;
  url: string;
  /** The platform's own subgraphs (the foreign one replaces the one of the same name). */
  subgraphs: SubgraphSource[];
  /** The supergraph file to keep up to date (written atomically). */
  supergraphFile: string;
  pollMs: number;
  /** Where progress and errors go (the launcher's console). */
  print: (line: string) => void;
}

/** Fetches a subgraph's SDL the way composition tools do (Federation's `_service { sdl }`). */
export async function fetchSubgraphSdl(url: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: { _service?: { sdl?: string } }; errors?: { message: string }[] };
  const sdl = body.data?._service?.sdl;
  if (!response.ok || typeof sdl !== 'string')
    throw new Error(`${url} did not answer _service { sdl } (HTTP ${response.status}${body.errors ? `: ${body.errors[0]?.message}` : ''})`);
  return sdl;
}

const describe = (error: CompositionIssue) =>
  `  ${error.code}: ${error.message}${error.locations.length ? `\n    at ${error.locations.map((l) => `${l.origin}:${l.line}:${l.column}`).join(', ')}` : ''}`;

/** Keeps the dev gateway's supergraph file in step with the foreign subgraph's SDL. */
export class ForeignComposer {
  private lastSdl: string | undefined;
  private lastProblem: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ForeignComposerOptions) {}

  /**
   * Reads and composes once. Resolves true when a supergraph with the foreign subgraph was written,
   * false when the SDL is unchanged, unreachable or does not compose (then the problem is printed once).
   */
  async compose(): Promise<boolean> {
    const { name, url, print } = this.options;
    let sdl: string;
    try {
      sdl = await fetchSubgraphSdl(url);
    } catch (error) {
      this.problem(`cannot read the SDL of "${name}": ${(error as Error).message}`);
      return false;
    }
    if (sdl === this.lastSdl) return false;
    this.lastSdl = sdl;
    const composed = composeSubgraphs(withSubgraph(this.options.subgraphs, { name, url, sdl, origin: `${name} (${url})` }));
    if (!composed.ok) {
      this.problem(`"${name}" does not compose with the platform; the gateway keeps the last supergraph:\n${composed.errors.map(describe).join('\n')}`);
      return false;
    }
    this.write(composed.supergraphSdl);
    this.lastProblem = undefined;
    print(`composed "${name}" from ${url} into the supergraph`);
    return true;
  }

  /** Writes the platform's own supergraph (without the foreign subgraph): the start-up fallback. */
  composeWithoutForeign(): void {
    const composed = composeSubgraphs(this.options.subgraphs.filter((s) => s.name !== this.options.name));
    if (!composed.ok) throw new Error(`the platform's subgraphs do not compose without "${this.options.name}":\n${composed.errors.map(describe).join('\n')}`);
    this.write(composed.supergraphSdl);
  }

  /** Polls for SDL changes until `stop()`. */
  start(): void {
    const tick = () => {
      if (!this.stopped) this.timer = setTimeout(() => void this.compose().finally(tick), this.options.pollMs);
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private problem(message: string): void {
    // Printed once per distinct problem: polling must not flood the console.
    if (message !== this.lastProblem) this.options.print(message);
    this.lastProblem = message;
  }

  private write(supergraphSdl: string): void {
    // Atomic: the gateway watching the file never reads half of it.
    const temp = `${this.options.supergraphFile}.${process.pid}.tmp`;
    writeFileSync(temp, supergraphSdl);
    renameSync(temp, this.options.supergraphFile);
  }
}

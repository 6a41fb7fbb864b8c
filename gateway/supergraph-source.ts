/**
 * The supergraph the gateway serves, reloaded without a restart: from a file (watched, debounced) or a
 * URL (polled). A new supergraph goes to @apollo/gateway's `update()`, which builds the new schema and
 * query planner before swapping them in; if it cannot (not a supergraph, or a subgraph this gateway has
 * no secret for) it throws, the change is refused with a log line and a metric, and the old one keeps
 * serving.
 *
 * Why in-flight requests finish on the old supergraph: Apollo Server takes the schema after the
 * request's context is built, and from there to the gateway's query plan only microtasks run (in-memory
 * caches), while a reload runs from a timer or file event, i.e. between those steps of any request. A
 * planned request holds its plan and schemas to the end.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SupergraphManager, SupergraphSdlHook, SupergraphSdlUpdateFunction } from '@apollo/gateway';
import type { Logger } from '../platform/logger.js';

/** Where the supergraph comes from. */
export type SupergraphOrigin = { file: string } | { url: string };

/** How often a supergraph URL is polled (SUPERGRAPH_POLL_MS). */
export const DEFAULT_SUPERGRAPH_POLL_MS = 10_000;

export interface ReloadingSupergraphOptions {
  origin: SupergraphOrigin;
  /** How often a URL is polled. @default 10000 */
  pollMs?: number;
  /** How long file events settle before the file is read (editors and writers fire several). @default 100 */
  debounceMs?: number;
  logger: Logger;
}

/** Counters reported on /metrics. */
export interface SupergraphReloadStats {
  /** Supergraphs switched to after start-up. */
  reloads: number;
  /** New supergraphs refused (invalid, unreadable); the previous one kept serving. */
  refused: number;
}

export type RefreshResult = 'updated' | 'unchanged' | 'refused';

const digest = (sdl: string) => createHash('sha256').update(sdl).digest('hex');

/** A @apollo/gateway supergraph manager that follows a file or URL. */
export class ReloadingSupergraph implements SupergraphManager {
  readonly stats: SupergraphReloadStats = { reloads: 0, refused: 0 };
  private update: SupergraphSdlUpdateFunction | undefined;
  private current = '';
  /** The last supergraph refused: polling the same invalid answer again is not a new refusal. */
  private refused = '';
  private queue: Promise<RefreshResult> = Promise.resolve('unchanged');
  private stopWatching: () => void = () => {};

  constructor(private readonly options: ReloadingSupergraphOptions) {}

  /** Called by the gateway once: the first supergraph (an error here stops start-up), then reloads. */
  async initialize({ update }: Parameters<SupergraphSdlHook>[0]): Promise<{ supergraphSdl: string; cleanup: () => Promise<void> }> {
    const supergraphSdl = await this.read();
    this.current = digest(supergraphSdl);
    this.update = update;
    this.stopWatching = 'file' in this.options.origin ? this.watchFile(this.options.origin.file) : this.poll();
    return { supergraphSdl, cleanup: async () => this.stopWatching() };
  }

  /** Reads the origin now and switches to what it holds if that changed. Calls run one at a time. */
  refresh(): Promise<RefreshResult> {
    this.queue = this.queue.then(() => this.reload());
    return this.queue;
  }

  private async reload(): Promise<RefreshResult> {
    const { logger, origin } = this.options;
    let sdl: string;
    try {
      sdl = await this.read();
    } catch (error) {
      return this.refuse(error, 'could not read the new supergraph');
    }
    const id = digest(sdl);
    if (id === this.current || id === this.refused || !this.update) return 'unchanged';
    try {
      this.update(sdl);
    } catch (error) {
      this.refused = id;
      return this.refuse(error, 'new supergraph refused');
    }
    this.current = id;
    this.stats.reloads++;
    logger.info({ origin, sha256: id }, 'supergraph reloaded');
    return 'updated';
  }

  private refuse(error: unknown, message: string): RefreshResult {
    this.stats.refused++;
    this.options.logger.error({ origin: this.options.origin, reason: (error as Error).message }, `${message}; the previous supergraph keeps serving`);
    return 'refused';
  }

  private async read(): Promise<string> {
    const { origin } = this.options;
    if ('file' in origin) return readFile(origin.file, 'utf8');
    const response = await fetch(origin.url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`${origin.url} answered HTTP ${response.status}`);
    return response.text();
  }

  /** Watches the directory, not the file: writers that replace the file by renaming change its inode. */
  private watchFile(file: string): () => void {
    let timer: NodeJS.Timeout | undefined;
    const watcher: FSWatcher = watch(dirname(file), (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh(), this.options.debounceMs ?? 100);
    });
    watcher.on('error', (error) => this.options.logger.error({ err: error }, 'cannot watch the supergraph file; reloads stop'));
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }

  private poll(): () => void {
    const timer = setInterval(() => void this.refresh(), this.options.pollMs ?? DEFAULT_SUPERGRAPH_POLL_MS);
    return () => clearInterval(timer);
  }
}

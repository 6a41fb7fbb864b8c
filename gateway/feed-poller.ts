/**
 * Follows a change feed in the store: runs `poll` every `pollMs`, and on demand (`refreshNow`), never two
 * at once. The gateway's caches use it to hear of changes other processes made.
 */
/** How often the gateway reads each change feed by default: the staleness bound across gateways. */
export const DEFAULT_FEED_POLL_MS = 250;

export class FeedPoller {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly poll: () => Promise<void>,
    private readonly pollMs: number,
  ) {}

  /** Polls every `pollMs` from now on (the timer does not keep the process alive). */
  start(): void {
    const tick = () => {
      this.timer = setTimeout(() => void this.refreshNow().finally(tick), this.pollMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Polls now, or joins the poll already running. */
  refreshNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }
}

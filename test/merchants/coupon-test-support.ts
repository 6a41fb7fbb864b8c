/** Helpers shared by the coupon stock tests. */
import type { SubgraphLogger } from '@identity-federation-gateway/subgraph-kit';

export interface CapturedLogs {
  logger: SubgraphLogger;
  /** Every message logged so far, in order. */
  messages(): string[];
}

/** A logger that keeps what it is told, for tests that check what a component logs. */
export function captureLogs(): CapturedLogs {
  const entries: { level: string; fields: object; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) => void entries.push({ level, fields, message });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, messages: () => entries.map((e) => e.message) };
}

/** Waits until `condition` holds, checking every 10 ms; fails after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The streaming hello of MongoDB 4.4+, which drivers use to monitor a server that reports a
 * `topologyVersion`: a hello carrying the version the driver last saw and `maxAwaitTimeMS` is answered
 * when the topology changes or that time has passed (a standalone's never changes), and with
 * exhaustAllowed the server keeps answering every `maxAwaitTimeMS` unasked. A monitor that polls
 * instead writes a hello on its connection every heartbeat; the Node driver (7.x) can then wait forever
 * for a write to a socket that was closed under it (a restarted store, every connection dropped at
 * once), and stops monitoring the server for good. Streaming, the monitor is reading whenever the
 * connection drops, and fails over as it should.
 */
import type { Document, ObjectId } from 'bson';

/** The longest a timer can wait (Node fires a longer one after 1 ms, which would turn a stream into a flood). */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** How long to hold the answer to `command`: undefined when it is not an awaitable hello of this run, answered at once. */
export function helloWaitMs(command: Document, processId: ObjectId): number | undefined {
  const name = Object.keys(command)[0];
  if (name !== 'hello' && name !== 'isMaster' && name !== 'ismaster') return undefined;
  const { maxAwaitTimeMS, topologyVersion } = command as { maxAwaitTimeMS?: unknown; topologyVersion?: { processId?: unknown; counter?: unknown } };
  if (typeof maxAwaitTimeMS !== 'number' || !Number.isFinite(maxAwaitTimeMS) || maxAwaitTimeMS < 0 || !topologyVersion) return undefined;
  // Another run's version (the driver saw the server before a restart): the topology changed, answer now.
  const sameRun = typeof topologyVersion.processId === 'object' && String(topologyVersion.processId) === processId.toHexString();
  return sameRun && Number(topologyVersion.counter) === 0 ? Math.min(maxAwaitTimeMS, MAX_WAIT_MS) : undefined;
}

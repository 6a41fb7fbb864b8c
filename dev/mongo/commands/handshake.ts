/** Connection-level commands: hello / isMaster, ping, buildInfo, endSessions, and a few read-only probes drivers send. */
import { Long } from 'bson';
import type { CommandHandler } from './context.js';

/** MongoDB 7.0's wire version; the driver needs >= 8 (MongoDB 4.2). */
const MAX_WIRE_VERSION = 21;
const VERSION = '7.0.0';

const hello: CommandHandler = (_cmd, ctx) => ({
  helloOk: true,
  isWritablePrimary: true,
  ismaster: true,
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
  localTime: new Date(),
  // Sessions are accepted (the driver attaches lsid) but carry no server state: there are no transactions.
  logicalSessionTimeoutMinutes: 30,
  connectionId: ctx.connectionId,
  // A standalone's topology never changes, so its counter stays 0; drivers seeing a topologyVersion monitor by
  // streaming hello (hello-stream.ts), as they do with a real MongoDB, instead of polling.
  topologyVersion: { processId: ctx.processId, counter: Long.fromNumber(0) },
  minWireVersion: 0,
  maxWireVersion: MAX_WIRE_VERSION,
  readOnly: false,
  ok: 1,
});

export const handshakeCommands: Record<string, CommandHandler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ({ ok: 1 }),
  buildInfo: () => ({ version: VERSION, versionArray: [7, 0, 0, 0], bits: 64, maxBsonObjectSize: 16 * 1024 * 1024, ok: 1 }),
  buildinfo: () => ({ version: VERSION, versionArray: [7, 0, 0, 0], ok: 1 }),
  endSessions: () => ({ ok: 1 }),
  listDatabases: (_cmd, ctx) => ({
    databases: ctx.store.databaseNames().map((name) => ({ name, sizeOnDisk: 0, empty: ctx.store.collections(name).length === 0 })),
    totalSize: 0,
    ok: 1,
  }),
};

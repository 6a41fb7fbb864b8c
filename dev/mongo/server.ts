/**
 * The dev MongoDB server: a TCP listener speaking the wire protocol over an in-memory store.
 * For development and tests only; production points MONGODB_URI at a real MongoDB.
 */
import { createServer, type Socket } from 'node:net';
import { ObjectId } from 'bson';
import { CursorRegistry } from './cursors.js';
import { Store } from './database.js';
import { executeCommand } from './commands/index.js';
import { helloWaitMs } from './hello-stream.js';
import { persistTo, loadSnapshot } from './persistence.js';
import { WireProtocolError, decodeMessage, encodeReply, messageLength, messageRequestId, type IncomingCommand } from './wire.js';

export interface MongoDevServerOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Keep data across restarts in this folder; in memory only when unset. */
  dataDir?: string;
}

export interface MongoDevServer {
  readonly port: number;
  readonly store: Store;
  /** A connection string for `db` (or none). */
  uri(db?: string): string;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 48_000_000;

export async function startMongoDevServer(options: MongoDevServerOptions = {}): Promise<MongoDevServer> {
  const store = new Store();
  const cursors = new CursorRegistry();
  const persistence = options.dataDir ? (await loadSnapshot(options.dataDir, store), persistTo(options.dataDir, store)) : undefined;
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;
  const processId = new ObjectId();

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connectionId = nextConnectionId++;
    let pending = Buffer.alloc(0);
    // An awaitable hello being held (hello-stream.ts): its next answer.
    let held: NodeJS.Timeout | undefined;
    const run = (incoming: IncomingCommand) =>
      executeCommand(incoming.command, { store, cursors, db: String(incoming.command.$db ?? 'test'), connectionId, processId });
    const hold = (incoming: IncomingCommand, waitMs: number) => {
      const answer = (responseTo: number) => {
        const reply = encodeReply(incoming, run(incoming), { moreToCome: incoming.exhaustAllowed, responseTo });
        socket.write(reply);
        // Exhaust: the next answer follows unasked, answering this one.
        held = incoming.exhaustAllowed ? setTimeout(answer, waitMs, messageRequestId(reply)).unref() : undefined;
      };
      held = setTimeout(answer, waitMs, incoming.requestId).unref();
    };
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      try {
        for (let length = messageLength(pending); length !== undefined && pending.length >= length; length = messageLength(pending)) {
          if (length < 16 || length > MAX_MESSAGE_BYTES) throw new WireProtocolError(`bad message length ${length}`);
          const incoming = decodeMessage(pending.subarray(0, length));
          pending = pending.subarray(length);
          // A new request ends a stream of answers to the last one.
          clearTimeout(held);
          const waitMs = helloWaitMs(incoming.command, processId);
          if (waitMs !== undefined) hold(incoming, waitMs);
          else if (!incoming.moreToCome) socket.write(encodeReply(incoming, run(incoming)));
          else run(incoming);
        }
      } catch (error) {
        // Unreadable bytes: there is no request to answer, so close the connection as mongod does.
        console.error('dev mongo: closing connection:', error instanceof Error ? error.message : error);
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(held);
      sockets.delete(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = options.host ?? '127.0.0.1';

  return {
    port,
    store,
    uri: (db = '') => `mongodb://${host}:${port}/${db}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await persistence?.flush();
    },
  };
}

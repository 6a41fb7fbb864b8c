/**
 * MongoDB wire-protocol framing: OP_MSG (the protocol every current driver speaks) and the legacy
 * OP_QUERY / OP_REPLY pair that drivers still use for the very first handshake.
 * Only framing lives here: no command semantics.
 */
import { deserialize, serialize, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const HEADER_BYTES = 16;
const FLAG_CHECKSUM_PRESENT = 1 << 0;
/** From a client: it will not wait for a reply (unacknowledged writes). From the server: another reply follows unasked. */
export const FLAG_MORE_TO_COME = 1 << 1;
/** The client accepts a stream of replies to this one request (the driver's streaming hello). */
export const FLAG_EXHAUST_ALLOWED = 1 << 16;

/** One decoded client message: the command document plus framing facts the reply needs. */
export interface IncomingCommand {
  requestId: number;
  opCode: typeof OP_MSG | typeof OP_QUERY;
  /** The command, with OP_MSG document sequences folded in as arrays. */
  command: Document;
  /** True when the client asked for no reply. */
  moreToCome: boolean;
  /** True when the client accepts more than one reply to this request. */
  exhaustAllowed: boolean;
}

/** Thrown when the bytes on the socket are not a message we can read; the connection is closed. */
export class WireProtocolError extends Error {}

const DESERIALIZE_OPTIONS = { promoteBuffers: false, validation: { utf8: false } } as const;

/** Total length of the message at the start of `buf`, or undefined until the length prefix has arrived. */
export function messageLength(buf: Buffer): number | undefined {
  return buf.length < 4 ? undefined : buf.readInt32LE(0);
}

/** Decodes one complete message. */
export function decodeMessage(msg: Buffer): IncomingCommand {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_MSG) return decodeOpMsg(msg, requestId);
  if (opCode === OP_QUERY) return decodeOpQuery(msg, requestId);
  throw new WireProtocolError(`unsupported opCode ${opCode}`);
}

function decodeOpMsg(msg: Buffer, requestId: number): IncomingCommand {
  const flags = msg.readUInt32LE(HEADER_BYTES);
  const end = flags & FLAG_CHECKSUM_PRESENT ? msg.length - 4 : msg.length;
  let offset = HEADER_BYTES + 4;
  let command: Document | undefined;
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = msg.readUInt8(offset++);
    if (kind === 0) {
      const size = msg.readInt32LE(offset);
      command = deserialize(msg.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
      offset += size;
    } else if (kind === 1) {
      const size = msg.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = msg.indexOf(0, offset + 4);
      const name = msg.toString('utf8', offset + 4, nameEnd);
      const docs: Document[] = [];
      for (let p = nameEnd + 1; p < sectionEnd;) {
        const docSize = msg.readInt32LE(p);
        docs.push(deserialize(msg.subarray(p, p + docSize), DESERIALIZE_OPTIONS));
        p += docSize;
      }
      sequences[name] = docs;
      offset = sectionEnd;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!command) throw new WireProtocolError('OP_MSG without a body section');
  for (const [name, docs] of Object.entries(sequences)) command[name] = docs;
  return { requestId, opCode: OP_MSG, command, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0, exhaustAllowed: (flags & FLAG_EXHAUST_ALLOWED) !== 0 };
}

function decodeOpQuery(msg: Buffer, requestId: number): IncomingCommand {
  let offset = HEADER_BYTES + 4; // skip flags
  const nameEnd = msg.indexOf(0, offset);
  const collection = msg.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // skip numberToSkip, numberToReturn
  if (!collection.endsWith('.$cmd')) throw new WireProtocolError('OP_QUERY is only accepted for commands');
  const size = msg.readInt32LE(offset);
  let command = deserialize(msg.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  // Legacy drivers wrap the command as { $query: {...}, $readPreference }.
  if (command.$query && typeof command.$query === 'object') command = command.$query as Document;
  command.$db = collection.slice(0, -'.$cmd'.length);
  return { requestId, opCode: OP_QUERY, command, moreToCome: false, exhaustAllowed: false };
}

let nextRequestId = 1;

/** The request id a message carries (a streamed reply's successor answers it). */
export const messageRequestId = (message: Buffer): number => message.readInt32LE(4);

/**
 * Encodes the reply to `incoming` in the framing the client used. A streamed reply (OP_MSG only) says
 * `moreToCome` and answers the previous reply (`responseTo`), as mongod's exhaust replies do.
 */
export function encodeReply(incoming: IncomingCommand, reply: Document, stream?: { moreToCome: boolean; responseTo: number }): Buffer {
  const body = serialize(reply);
  const requestId = nextRequestId++ & 0x7fffffff;
  if (incoming.opCode === OP_MSG) {
    const header = Buffer.alloc(HEADER_BYTES + 5);
    header.writeInt32LE(header.length + body.length, 0);
    header.writeInt32LE(requestId, 4);
    header.writeInt32LE(stream?.responseTo ?? incoming.requestId, 8);
    header.writeInt32LE(OP_MSG, 12);
    header.writeUInt32LE(stream?.moreToCome ? FLAG_MORE_TO_COME : 0, 16);
    header.writeUInt8(0, 20);
    return Buffer.concat([header, body]);
  }
  const header = Buffer.alloc(HEADER_BYTES + 20);
  header.writeInt32LE(header.length + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(incoming.requestId, 8);
  header.writeInt32LE(OP_REPLY, 12);
  header.writeInt32LE(0, 16); // responseFlags
  header.writeBigInt64LE(0n, 20); // cursorID
  header.writeInt32LE(0, 28); // startingFrom
  header.writeInt32LE(1, 32); // numberReturned
  return Buffer.concat([header, body]);
}

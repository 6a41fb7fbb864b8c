/**
 * GraphQL subscriptions over WebSocket (`graphql-transport-ws`, graphql-ws's protocol) for the kit's HTTP
 * edge. graphql-ws runs the protocol and graphql-js the operations; this file is the socket adapter around
 * them, written here rather than taken from `graphql-ws/use/ws` because the identity's MAC covers each
 * `subscribe` frame's exact text, which only the adapter sees before graphql-ws parses it.
 */
import type { BaseContext } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { CloseCode, MessageType, handleProtocols, makeServer, stringifyMessage } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { deliberateErrors, type PublicErrorRule, type RequestLogIds } from './errors.js';
import type { SocketEndpoint } from './graphql-http-server.js';
import { REQUEST_ID_HEADER } from './headers.js';
import { identityKey, type IdentityClaims } from './identity-assertion.js';
import type { SubgraphLogger } from './logger.js';
import { requestIdOf } from './request-id.js';
import { socketIdentityRequest } from './socket-identity.js';
import { IDENTITY_REFUSAL, SubscribeRefused, parseOrRefuse, publicErrors } from './subscription-errors.js';
import { verifyWithKeys } from './verify-identity.js';

/** The bounds of a subgraph's subscription sockets. */
export interface SubscriptionSocketSettings {
  /** Largest message a socket accepts; a larger one closes it with 1009. @default 65536 (64 KiB) */
  maxPayloadBytes?: number;
  /** How long a socket may stay open without `connection_init`; then it is closed with 4408. @default 3000 */
  connectionInitTimeoutMs?: number;
  /** Interval of WebSocket ping frames; a socket that has not answered one by the next is dropped. 0 sends none. @default 12000 */
  keepAliveMs?: number;
}

export interface SubscriptionSocketOptions<TContext extends BaseContext> extends SubscriptionSocketSettings {
  /** The subgraph's schema; its Subscription fields are plain graphql-js ones (`{ subscribe, resolve }`). */
  schema: GraphQLSchema;
  /** The subgraph's name in the platform config (what identity claims must be addressed to). */
  subgraph: string;
  /** The secret shared with the gateway; during a rotation `[current, previous]`, either verifies. */
  identitySecret: string | readonly string[];
  /** Builds the resolvers' context from a subscription's verified identity (undefined: anonymous), once per subscription. */
  context(identity: IdentityClaims | undefined, requestId: string): Promise<TContext> | TContext;
  logger: SubgraphLogger;
  /** Which errors clients may see; the rest are masked and logged. @default deliberate errors (a GraphQLError with a code) */
  publicError?: PublicErrorRule;
}

/** What the adapter keeps per socket (graphql-ws's `extra`). */
interface SocketState {
  /** The frame being handed to graphql-ws, for `onSubscribe` to verify (graphql-ws calls it before its first await). */
  frame: Buffer | undefined;
  /** Verified claims by subscription id, from `onSubscribe` until that subscription's context is built. */
  identities: Map<string, IdentityClaims>;
  /** The gateway's `x-request-id` from `connection_init` when well-formed, else a fresh UUID. */
  requestId: string;
}

type ConnectionInitPayload = Record<string, unknown>;

const GOING_AWAY = 1001;
/** How long `close()` waits for a peer to answer the close frame before dropping its connection. */
const CLOSE_WAIT_MS = 1000;

/**
 * Serves GraphQL subscriptions (and queries and mutations) over WebSocket, verifying the gateway's
 * identity per subscription. Give it to the HTTP edge as `sockets`; `startSubgraph` does when the schema
 * has a Subscription type.
 * @example
 * const sockets = subscriptionSockets({ schema, subgraph: 'teashop', identitySecret, context: (claims, requestId) => ({ claims, requestId }), logger });
 * await startGraphQLHttpServer({ apollo, context, sockets });
 */
export function subscriptionSockets<TContext extends BaseContext & RequestLogIds>(options: SubscriptionSocketOptions<TContext>): SocketEndpoint {
  const { logger } = options;
  const keys = (typeof options.identitySecret === 'string' ? [options.identitySecret] : options.identitySecret).map(identityKey);
  const isPublic = options.publicError ?? deliberateErrors;
  const errorsFor = (state: SocketState, requestErrorCode: string) => (errors: readonly GraphQLError[]) =>
    publicErrors(errors, {
      isPublic,
      requestErrorCode,
      masked: (error) =>
        logger.error({ requestId: state.requestId, err: error.originalError ?? error, path: error.path }, 'unexpected error masked for the client'),
    });

  const protocol = makeServer<ConnectionInitPayload, SocketState>({
    schema: options.schema,
    connectionInitWaitTimeout: options.connectionInitTimeoutMs ?? 3000,
    parse: parseOrRefuse,
    onConnect: ({ connectionParams, extra }) => {
      if (connectionParams?.[REQUEST_ID_HEADER] !== undefined) extra.requestId = requestIdOf(connectionParams[REQUEST_ID_HEADER]);
    },
    onSubscribe: ({ connectionParams, extra }, id) => {
      if (!extra.frame) throw new Error('graphql-ws asked to verify a subscribe outside its frame');
      const verified = verifyWithKeys(socketIdentityRequest(connectionParams, extra.frame), keys, options.subgraph);
      if (!verified.ok) {
        logger.warn({ requestId: extra.requestId, subscriptionId: id, reason: verified.reason }, 'refused an injected identity');
        throw new SubscribeRefused(IDENTITY_REFUSAL);
      }
      if (verified.claims) extra.identities.set(id, verified.claims);
      else extra.identities.delete(id);
    },
    context: ({ extra }, id) => {
      const claims = extra.identities.get(id);
      extra.identities.delete(id);
      return options.context(claims, extra.requestId);
    },
    onNext: ({ extra }, _id, _payload, _args, result) => {
      const { errors, ...rest } = result;
      return errors ? { ...rest, errors: errorsFor(extra, ApolloServerErrorCode.BAD_USER_INPUT)(errors) } : undefined;
    },
    onError: ({ extra }, id, _payload, errors) => {
      extra.identities.delete(id);
      return errorsFor(extra, ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED)(errors);
    },
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 64 * 1024, handleProtocols });
  let closing = false;

  const open = (socket: WebSocket) => {
    const state: SocketState = { frame: undefined, identities: new Map(), requestId: requestIdOf(undefined) };
    const stopKeepAlive = keepAlive(socket, options.keepAliveMs ?? 12_000);
    // ws reports a broken peer or an oversized message here, then closes the socket itself.
    socket.on('error', (error) => logger.warn({ requestId: state.requestId, err: error }, 'subscription socket error'));
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        // A send that fails means the socket is closing; its close event ends the subscriptions.
        send: (data) => new Promise<void>((resolve) => (socket.readyState === socket.OPEN ? socket.send(data, () => resolve()) : resolve())),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: RawData, isBinary: boolean) => {
            if (isBinary) return socket.close(CloseCode.BadRequest, 'Invalid message received');
            const frame = bytesOf(data);
            const text = frame.toString('utf8');
            // graphql-ws runs a message synchronously up to `onSubscribe`: the frame is there for this message's hooks only.
            state.frame = frame;
            const handled = handle(text);
            state.frame = undefined;
            handled.catch((error: unknown) => answerFailure(socket, state, text, error));
          }),
      },
      state,
    );
    socket.once('close', (code, reason) => {
      stopKeepAlive();
      closed(code, reason.toString()).catch((error: unknown) => logger.error({ requestId: state.requestId, err: error }, 'ending subscriptions failed'));
    });
  };

  /** A refused subscribe gets its `error` message; anything else is a fault: logged, and the socket closed. */
  const answerFailure = (socket: WebSocket, state: SocketState, text: string, error: unknown) => {
    if (error instanceof SubscribeRefused) {
      const { id } = JSON.parse(text) as { id: string };
      if (socket.readyState === socket.OPEN) socket.send(stringifyMessage({ id, type: MessageType.Error, payload: error.errors }));
      return;
    }
    logger.error({ requestId: state.requestId, err: error }, 'subscription socket failed');
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };

  return {
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      if (closing) return void socket.destroy();
      wss.handleUpgrade(req, socket, head, open);
    },
    async close() {
      closing = true;
      await Promise.all([...wss.clients].map(goAway));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Closes a socket as "going away" (the client reconnects elsewhere), dropping it if the peer does not answer in time. */
function goAway(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === socket.CLOSED) return resolve();
    const drop = setTimeout(() => socket.terminate(), CLOSE_WAIT_MS);
    socket.once('close', () => {
      clearTimeout(drop);
      resolve();
    });
    socket.close(GOING_AWAY, 'Going away');
  });
}

/** Pings the peer every `intervalMs`; a peer that has not answered the previous ping is gone (a dead TCP peer never says so). */
function keepAlive(socket: WebSocket, intervalMs: number): () => void {
  if (!(intervalMs > 0 && Number.isFinite(intervalMs))) return () => {};
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  return () => clearInterval(timer);
}

function bytesOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

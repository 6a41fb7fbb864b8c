/**
 * The environment variables only the gateway reads, validated at start-up with the shared ones
 * (platform/env.ts, the one reader of the environment). Each default is the default of the part that
 * owns it, imported, never a second copy of the number; a flag left unset leaves the gateway's own
 * default in force.
 */
import { z } from 'zod';
import { namedPairs, optionalFlag, optionalUrl } from '../platform/env.js';
import { DEFAULT_FEED_POLL_MS } from './feed-poller.js';
import { DEFAULT_DEMAND_CONTROL } from './features/demand-control.js';
import { DEFAULT_QUERY_LIMITS } from './features/query-limits.js';
import { DEFAULT_RATE_LIMITS } from './features/rate-limits.js';
import { DEFAULT_LOOKUP_TIMEOUT_MS } from './identity-directory.js';
import { DEFAULT_SUBGRAPH_TIMEOUT_MS } from './subgraph-transport.js';
import { DEFAULT_SUPERGRAPH_POLL_MS } from './supergraph-source.js';
import { DEFAULT_SOCKET_LIMITS } from './subscriptions/client-sockets.js';

const count = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);
const milliseconds = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** `name=value,...` pairs into a record, each value checked by `parse` (undefined: refused, with `expected` in the message). */
const namedValues = <T>(expected: string, parse: (value: string) => T | undefined) =>
  z
    .string()
    .default('')
    .transform((text, ctx) => {
      const values: Record<string, T> = {};
      for (const [name, value] of namedPairs(text)) {
        const parsed = name ? parse(value) : undefined;
        if (parsed === undefined) ctx.addIssue({ code: 'custom', message: `"${name}=${value}" is not ${expected}` });
        else values[name] = parsed;
      }
      return values;
    });

export const GATEWAY_SETTINGS = {
  /** Where the gateway finds the identity service's JWKS. */
  IDENTITY_URL: z.string().url().default('http://127.0.0.1:4001'),
  /** How often each gateway reads the identity and revocation feeds: the bound on staleness across gateways. */
  IDENTITY_CACHE_POLL_MS: milliseconds(20, 60_000, DEFAULT_FEED_POLL_MS),
  /** How long the gateway waits on one identity lookup (the store unreachable or hung) before answering IDENTITY_STORE_UNAVAILABLE. */
  IDENTITY_LOOKUP_TIMEOUT_MS: milliseconds(50, 60_000, DEFAULT_LOOKUP_TIMEOUT_MS),
  /** Merge identical in-flight client queries (a viewer's only with that viewer's own) and identical anonymous subgraph queries. */
  GATEWAY_DEDUPE: optionalFlag(),
  /** Time a subgraph has to answer one fetch before its fields answer SUBGRAPH_UNAVAILABLE. */
  SUBGRAPH_TIMEOUT_MS: milliseconds(10, 300_000, DEFAULT_SUBGRAPH_TIMEOUT_MS),
  /** `name=ms,name=ms`: subgraphs whose fetches get another time than SUBGRAPH_TIMEOUT_MS. */
  SUBGRAPH_TIMEOUTS_MS: namedValues('name=milliseconds (10-300000)', (ms) => {
    const parsed = Number(ms);
    return Number.isInteger(parsed) && parsed >= 10 && parsed <= 300_000 ? parsed : undefined;
  }),
  /** `name=url,name=url`: subgraph URLs that replace the ones in the platform config. */
  SUBGRAPH_URLS: namedValues('name=url', (url) => (URL.canParse(url) ? url : undefined)),
  /** Rate limits per gateway instance, per minute (gateway/features/rate-limits.ts). */
  RATE_LIMIT_LOGIN_PER_ADDRESS: count(1, DEFAULT_RATE_LIMITS.loginPerAddress),
  RATE_LIMIT_LOGIN_PER_APP: count(1, DEFAULT_RATE_LIMITS.loginPerApp),
  RATE_LIMIT_REFRESH_PER_ADDRESS: count(1, DEFAULT_RATE_LIMITS.refreshPerAddress),
  /** Behind a proxy: the header holding the client's address (its last entry, the one the nearest proxy added), e.g. x-forwarded-for. */
  CLIENT_ADDRESS_HEADER: z
    .string()
    .regex(/^[a-z0-9-]+$/i, 'must be a header name')
    .transform((v) => v.toLowerCase())
    .optional(),
  /** Query limits, checked before validation and planning (gateway/features/query-limits.ts, token-bound.ts). */
  QUERY_MAX_DEPTH: count(1, DEFAULT_QUERY_LIMITS.maxDepth),
  QUERY_MAX_ALIASES: count(0, DEFAULT_QUERY_LIMITS.maxAliases),
  QUERY_MAX_ROOT_FIELDS: count(1, DEFAULT_QUERY_LIMITS.maxRootFields),
  QUERY_MAX_TOKENS: count(1, DEFAULT_QUERY_LIMITS.maxTokens),
  /** Demand control (gateway/features/demand-control.ts): `off`, `measure` (record operations' estimated and actual costs) or `enforce` (also refuse those estimated over DEMAND_CONTROL_MAX_COST). */
  DEMAND_CONTROL_MODE: z.enum(['off', 'measure', 'enforce']).default(DEFAULT_DEMAND_CONTROL.mode),
  DEMAND_CONTROL_MAX_COST: count(0, DEFAULT_DEMAND_CONTROL.maxCost),
  /** The size assumed for a list no @listSize sizes. */
  DEMAND_CONTROL_LIST_SIZE: count(0, DEFAULT_DEMAND_CONTROL.listSize),
  /** Schema introspection; default: on, except with NODE_ENV=production. */
  GRAPHQL_INTROSPECTION: optionalFlag(),
  /** GraphiQL at /explorer, served by the gateway itself; default: on, except with NODE_ENV=production. */
  GRAPHQL_EXPLORER: optionalFlag(),
  /** Restores Apollo Server's CSRF preflight rule (for deployments that add cookie authentication in front); default off. */
  CSRF_PREVENTION: optionalFlag(),
  /** Run only documents from the PERSISTED_DOCUMENTS manifest (recommended in production). */
  PERSISTED_DOCUMENTS_ONLY: optionalFlag(),
  /** Where the gateway polls its supergraph from (instead of the SUPERGRAPH file); a changed answer is loaded without a restart. */
  SUPERGRAPH_URL: optionalUrl,
  /** How often SUPERGRAPH_URL is polled. (A SUPERGRAPH file is watched: its changes load at once.) */
  SUPERGRAPH_POLL_MS: milliseconds(100, 3_600_000, DEFAULT_SUPERGRAPH_POLL_MS),
  /** Client sockets (subscriptions, gateway/subscriptions/client-sockets.ts): open sockets per client address (past it, the upgrade gets 429). */
  SOCKETS_PER_ADDRESS: count(1, DEFAULT_SOCKET_LIMITS.socketsPerAddress),
  /** Subscriptions one socket may hold at once (past it, TOO_MANY_SUBSCRIPTIONS). */
  SOCKET_MAX_SUBSCRIPTIONS: count(1, DEFAULT_SOCKET_LIMITS.subscriptionsPerSocket),
  /** subscribe messages one socket may send per minute (past it, RATE_LIMITED for that subscribe). */
  SOCKET_SUBSCRIBES_PER_MINUTE: count(1, DEFAULT_SOCKET_LIMITS.subscribesPerMinute),
  /** Largest message a client may send on a socket, in bytes (past it, close 1009). */
  SOCKET_MAX_MESSAGE_BYTES: count(256, DEFAULT_SOCKET_LIMITS.maxMessageBytes),
  /** Time a new socket has to send connection_init (past it, close 4408). */
  SOCKET_INIT_TIMEOUT_MS: milliseconds(100, 600_000, DEFAULT_SOCKET_LIMITS.initTimeoutMs),
  /** Ping interval on client sockets; one that missed the previous pong is dropped. */
  SOCKET_KEEPALIVE_MS: milliseconds(1_000, 600_000, DEFAULT_SOCKET_LIMITS.keepAliveMs),
  /** `Type.field=points/seconds,...`: per-viewer limits on chosen fields, e.g. `Mutation.claimCoupon=5/60` (gateway/features/field-rate-limits.ts). */
  FIELD_RATE_LIMITS: namedValues('Type.field=points/seconds (points >= 1, seconds 1-86400)', (limit) => {
    const match = /^([0-9]+)\/([0-9]+)$/.exec(limit);
    const [points, seconds] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
    return points >= 1 && seconds >= 1 && seconds <= 86_400 ? { points, seconds } : undefined;
  }),
};

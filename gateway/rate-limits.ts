/**
 * Rate limits on the session mutations: `login` per client address and per app, `refreshSession` per client
 * address. The gateway enforces them because it is what sees the client's address; the identity subgraph
 * sees only the gateway. Counters live in this gateway's memory (per instance: N gateways allow N times
 * the rate). `refreshSession` has no per-app bucket: its app is known only from the store, and an unverified
 * hint (an expired access token) would let anyone drain another app's bucket.
 * Each login or refresh field counts, aliases and fragments included, before anything is executed.
 */
import { Kind, parse, type DocumentNode, type FieldNode, type SelectionSetNode, type ValueNode } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Headers } from '../platform/headers.js';
import { HttpError } from '../subgraphs/kit/http-error.js';
import { documentOf, type QueryLimitRequest } from './query-limits.js';

export interface RateLimits {
  /** `login` calls per client address per minute. @default 30 */
  loginPerAddress: number;
  /** `login` calls per app per minute (protects the app's WeChat quota). @default 1200 */
  loginPerApp: number;
  /** `refreshSession` calls per client address per minute. @default 60 */
  refreshPerAddress: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { loginPerAddress: 30, loginPerApp: 1200, refreshPerAddress: 60 };

export interface RateLimitRequest extends QueryLimitRequest {
  /** The client's address as the gateway determined it. */
  clientAddress: string;
}

const WINDOW_SECONDS = 60;
const SESSION_FIELDS = /\b(login|refreshSession)\b/;

/** A check to run before GraphQL processing: throws HttpError 429 RATE_LIMITED, with Retry-After, when over a limit. */
export function createRateLimitCheck(limits: RateLimits): (request: RateLimitRequest) => Promise<void> {
  const bucket = (points: number) => new RateLimiterMemory({ points, duration: WINDOW_SECONDS });
  const loginByAddress = bucket(limits.loginPerAddress);
  const loginByApp = bucket(limits.loginPerApp);
  const refreshByAddress = bucket(limits.refreshPerAddress);

  return async (request) => {
    const query = documentOf(request);
    // Most requests never mention the session mutations: no parse for them.
    if (query === undefined || !SESSION_FIELDS.test(query)) return;
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      return; // GraphQL reports the syntax error; nothing runs
    }
    const variables = variablesOf(request.body);
    try {
      for (const field of mutationRootFields(document)) {
        if (field.name.value === 'refreshSession') await refreshByAddress.consume(request.clientAddress);
        if (field.name.value !== 'login') continue;
        await loginByAddress.consume(request.clientAddress);
        const appId = stringArgument(field, 'appId', variables);
        if (appId !== undefined) await loginByApp.consume(appId);
      }
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new HttpError(
        429,
        'RATE_LIMITED',
        `Too many login or refresh attempts; retry in ${retryAfter} s.`,
        {},
        { [Headers.retryAfter]: String(retryAfter) },
      );
    }
  };
}

/** The root fields of every mutation in the document, through fragments and inline fragments (cycles ignored). */
export function mutationRootFields(document: DocumentNode): FieldNode[] {
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition.selectionSet);
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment);
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.operation === 'mutation') {
      seen.clear();
      collect(definition.selectionSet);
    }
  }
  return fields;
}

function stringArgument(field: FieldNode, name: string, variables: Record<string, unknown>): string | undefined {
  const value: ValueNode | undefined = field.arguments?.find((a) => a.name.value === name)?.value;
  if (value?.kind === Kind.STRING) return value.value;
  if (value?.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === 'string' ? given : undefined;
  }
  return undefined;
}

/** The client's address: the last entry of `header` when the gateway sits behind a proxy that sets it, else the TCP peer. */
export function clientAddressOf(request: { headers: Record<string, string | string[] | undefined>; remoteAddress: string }, header?: string): string {
  if (!header) return request.remoteAddress;
  const value = request.headers[header];
  const last = (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',').at(-1)?.trim();
  return last || request.remoteAddress;
}

function variablesOf(body: unknown): Record<string, unknown> {
  const variables = body !== null && typeof body === 'object' ? (body as { variables?: unknown }).variables : undefined;
  return variables !== null && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
}

/**
 * Rate limits on the session mutations: `login` per client address and per app, `refreshSession` per client
 * address. The gateway enforces them because it is what sees the client's address; the identity subgraph
 * sees only the gateway. Counters live in this gateway's memory (per instance: N gateways allow N times
 * the rate). `refreshSession` has no per-app bucket: its app is known only from the store, and an unverified
 * hint (an expired access token) would let anyone drain another app's bucket.
 *
 * Counted on the operation that will run (the pipeline resolved it, whether the request sent text or a
 * hash): each of its root `login` / `refreshSession` fields counts, aliases and fragments included, before
 * anything is executed.
 */
import { Kind, type DocumentNode, type FieldNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Headers } from '../../platform/headers.js';
import { SESSION_FIELDS } from '../../platform/identity/access-token.js';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { defineFeature } from '../pipeline/feature.js';

export interface RateLimits {
  /** `login` calls per client address per minute. @default 30 */
  loginPerAddress: number;
  /** `login` calls per app per minute (protects the app's WeChat quota). @default 1200 */
  loginPerApp: number;
  /** `refreshSession` calls per client address per minute. @default 60 */
  refreshPerAddress: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { loginPerAddress: 30, loginPerApp: 1200, refreshPerAddress: 60 };

const WINDOW_SECONDS = 60;
const MAX_APP_ID_LENGTH = 64;
const OVERSIZED_APP_ID = '(oversized)';

/**
 * `clientAddressHeader`: behind a proxy, the header whose last entry is the client's address (e.g.
 * x-forwarded-for); by default the TCP peer. Past a limit: HTTP 429 RATE_LIMITED with Retry-After.
 */
export const rateLimits = (limits: RateLimits, clientAddressHeader?: string) => {
  const bucket = (points: number) => new RateLimiterMemory({ points, duration: WINDOW_SECONDS });
  const loginByAddress = bucket(limits.loginPerAddress);
  const loginByApp = bucket(limits.loginPerApp);
  const refreshByAddress = bucket(limits.refreshPerAddress);
  // Per operation of a cached document: lives as long as the document stays cached.
  const sessionFieldsByOperation = new WeakMap<OperationDefinitionNode, readonly FieldNode[]>();

  return defineFeature({
    name: 'rate-limits',
    needs: ['params', 'operation'],
    admit(request) {
      const { document, operation } = request.operation;
      let fields = sessionFieldsByOperation.get(operation);
      if (!fields) sessionFieldsByOperation.set(operation, (fields = sessionFields(document, operation)));
      // Most requests have no session field: nothing to wait for.
      return fields.length === 0 ? undefined : consume(fields, clientAddressOf(request.http, clientAddressHeader), request.params.variables);
    },
  });

  async function consume(fields: readonly FieldNode[], address: string, variables: Record<string, unknown> | undefined): Promise<void> {
    try {
      for (const field of fields) {
        if (field.name.value === 'refreshSession') {
          await refreshByAddress.consume(address);
          continue;
        }
        await loginByAddress.consume(address);
        const appId = stringArgument(field, 'appId', variables);
        // Registered appIds are short ("wx" and 16 hex digits); a longer one fails login anyway and must not
        // hold a counter of its own size for a minute.
        if (appId !== undefined) await loginByApp.consume(appId.length <= MAX_APP_ID_LENGTH ? appId : OVERSIZED_APP_ID);
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
  }
};

/** The `login` and `refreshSession` root fields of a mutation, through fragments and inline fragments (cycles ignored). */
export function sessionFields(document: DocumentNode, operation: OperationDefinitionNode): FieldNode[] {
  if (operation.operation !== 'mutation') return [];
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition.selectionSet);
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (SESSION_FIELDS.has(selection.name.value)) fields.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment);
      }
    }
  };
  collect(operation.selectionSet);
  return fields;
}

function stringArgument(field: FieldNode, name: string, variables: Record<string, unknown> | undefined): string | undefined {
  const value: ValueNode | undefined = field.arguments?.find((a) => a.name.value === name)?.value;
  if (value?.kind === Kind.STRING) return value.value;
  if (value?.kind === Kind.VARIABLE) {
    const given = variables?.[value.name.value];
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

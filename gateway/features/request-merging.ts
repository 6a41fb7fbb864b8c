/**
 * Merging identical in-flight client requests: when thousands of viewers open the same page in the same
 * second, identical requests share one execution and each gets its own copy of the answer. This is the
 * pipeline's last step: a request reaches it admitted on its own (document resolved and bounded, limits,
 * rate limits, its own token verified and its session not revoked), and only then may it join another.
 *
 * Requests merge when they will run the same thing for the same viewer: the same document (by sha256 of
 * the text that runs, however it was named), operation name, variables and extensions, the same viewer
 * (user, app and session; anonymous with anonymous), the same method, and the same values of every header
 * an answer depends on. Only queries merge: never mutations or subscriptions, nothing with @defer/@stream,
 * nothing already answered (no answer is kept once sent: this is not a response cache). The key lives
 * only while the request runs.
 */
import { HeaderMap } from '@apollo/server';
import { BREAK, visit, type DocumentNode } from 'graphql';
import { Headers } from '../../platform/headers.js';
import { defineFeature } from '../pipeline/feature.js';
import type { GatewayResponse, RequestWith } from '../pipeline/gateway-request.js';

/**
 * The request headers an answer can depend on besides the viewer (content negotiation; CSRF prevention).
 * A feature that makes answers depend on another header must add it here, or requests differing in it
 * would share an answer.
 */
const KEY_HEADERS = [Headers.accept, Headers.contentType, Headers.apolloRequirePreflight, Headers.apolloOperationName];

export interface RequestMergingStats {
  /** Requests answered by joining an identical one (for metrics and the benchmark). */
  readonly merged: number;
}

export const requestMerging = () => {
  const inFlight = new Map<string, Promise<GatewayResponse>>();
  // Per cached document: lives as long as the document stays cached.
  const incremental = new WeakMap<DocumentNode, boolean>();
  const stats = { merged: 0 };

  const feature = defineFeature({
    name: 'request-merging',
    needs: ['params', 'document', 'operation', 'viewer'],
    async around(request, next) {
      const { document, operation } = request.operation;
      if (operation.operation !== 'query') return next(request);
      let deferred = incremental.get(document);
      if (deferred === undefined) incremental.set(document, (deferred = usesIncrementalDelivery(document)));
      if (deferred) return next(request);
      const key = mergeKey(request);
      const running = inFlight.get(key);
      if (running) {
        // Counted on joining, when the request is counted too, so the two always add up.
        stats.merged++;
        const answer = await running;
        if (answer.body.kind !== 'complete') {
          // A streamed answer cannot be shared: this request runs on its own.
          stats.merged--;
          return next(request);
        }
        return { status: answer.status, headers: new HeaderMap(answer.headers), body: { kind: 'complete', string: answer.body.string } };
      }
      const started = next(request);
      inFlight.set(key, started);
      try {
        return await started;
      } finally {
        inFlight.delete(key);
      }
    },
  });
  return { feature, stats: stats as RequestMergingStats };
};

/** Everything the answer to a query depends on; lengths keep the key unambiguous whatever the values contain. */
function mergeKey(request: RequestWith<'params' | 'document' | 'viewer'>): string {
  const { params, viewer } = request;
  const parts = [
    request.document.hash,
    params.method,
    params.operationName ?? '',
    params.variables === undefined ? '' : JSON.stringify(params.variables),
    params.extensions === undefined ? '' : JSON.stringify(params.extensions),
    viewer ? `${viewer.userId}\n${viewer.appId}\n${viewer.sessionId}` : '',
  ];
  for (const name of KEY_HEADERS) {
    const value = request.http.headers[name];
    parts.push(value === undefined ? '' : Array.isArray(value) ? value.join('\n') : value);
  }
  let key = '';
  for (const part of parts) key += `${part.length}:${part}\n`;
  return key;
}

/** Whether a document asks for incremental delivery (@defer or @stream): such answers stream and are never shared. */
function usesIncrementalDelivery(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'defer' || node.name.value === 'stream') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

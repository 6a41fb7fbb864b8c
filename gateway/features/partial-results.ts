/**
 * Puts removed fields back into the answer (pipeline/removed-fields.ts): placed after the steps that
 * remove fields (authorization, field rate limits) and before merging and execution. A request whose
 * every root field was removed is answered here without running anything (no subgraph is asked);
 * otherwise the answer gets each removed field as null at its place, with its error. A subscription's
 * events get the same in live-subscriptions.ts.
 */
import { HeaderMap } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { Headers } from '../../platform/headers.js';
import { defineFeature } from '../pipeline/feature.js';
import { responseMediaType } from '../pipeline/media-types.js';
import type { GatewayResponse, RemovedFields } from '../pipeline/gateway-request.js';
import { restoreRemoved } from '../pipeline/removed-fields.js';

type Answer = { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[]; extensions?: unknown };

export const partialResults = () =>
  defineFeature({
    name: 'partial-results',
    around(request, next) {
      const { removed } = request;
      // Nearly every request removes nothing: it passes straight on, without a promise of this step's own.
      if (!removed) return next(request);
      if (removed.empty) {
        const headers = new HeaderMap([[Headers.contentType, responseMediaType(request.http.headers[Headers.accept])]]);
        if (removed.retryAfterSeconds) headers.set(Headers.retryAfter, String(removed.retryAfterSeconds));
        return Promise.resolve({ status: 200, headers, body: { kind: 'complete', string: JSON.stringify(restoreRemoved({ data: {} }, removed.fields)) } });
      }
      return next(request).then((response) => withRemovedFields(response, removed));
    },
  });

/** The answer with each removed field put back as null with its error, and Retry-After where a limit removed one. */
function withRemovedFields(response: GatewayResponse, removed: RemovedFields): GatewayResponse {
  if (removed.retryAfterSeconds) response.headers.set(Headers.retryAfter, String(removed.retryAfterSeconds));
  // A subscription's answer is its events (restored as they come); a streamed answer is left as it is.
  if (response.body.kind !== 'complete' || response.refusedWith || response.body.string === '') return response;
  let answer: Answer;
  try {
    answer = JSON.parse(response.body.string) as Answer;
  } catch {
    return response;
  }
  // A request error (variables that do not coerce): nothing executed, nothing to put back.
  if (!('data' in answer)) return response;
  const restored = restoreRemoved(answer, removed.fields);
  const body = answer.extensions === undefined ? restored : { ...restored, extensions: answer.extensions };
  return { ...response, body: { kind: 'complete', string: JSON.stringify(body) } };
}

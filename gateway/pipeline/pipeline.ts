/**
 * Runs the features in list order, then execution. Built once at start-up: the order is checked then (a
 * feature that needs a stage no earlier feature provides is a start-up error, not a request-time
 * surprise), and the list is cut into segments at each `around`: a segment runs its features' `admit`
 * hooks in a plain loop (awaiting only a hook that returns a promise), hands the rest to the `around`
 * that ends it (or to execution), turns a refusal into its answer, and runs the `respond` hooks of the
 * features it reached in reverse. So a request costs a promise per segment, not per step: with the
 * request-id AsyncLocalStorage on, every promise pays Node's async hooks.
 */
import type { GraphQLHttpRequest } from '@identity-federation-gateway/subgraph-kit';
import type { GatewayFeature, Next } from './feature.js';
import type { GatewayResponse, RequestWith, SocketChannel, Stage } from './gateway-request.js';
import { refusalResponse } from './refusal.js';

/** The end of the pipeline: runs the admitted request. */
export interface Execution<N extends Stage> {
  needs: readonly N[];
  run(request: RequestWith<N>): Promise<GatewayResponse>;
}

/** Runs one request: from HTTP, or (with `socket`) a socket's `subscribe` message. */
export type Pipeline = (http: GraphQLHttpRequest, socket?: SocketChannel) => Promise<GatewayResponse>;

/** The features' order is wrong: names the feature and the stage it lacks. */
export class PipelineOrderError extends Error {}

export function createPipeline<N extends Stage>(features: readonly GatewayFeature[], execution: Execution<N>): Pipeline {
  checkOrder(features, execution.needs);
  const run = segment(features, 0, (request) => execution.run(request as RequestWith<N>));
  return (http, socket) => run({ http, receivedAt: performance.now(), socket });
}

/** The features from `from` up to and including the first with an `around`, which runs the rest. */
function segment(features: readonly GatewayFeature[], from: number, execute: Next): Next {
  let end = from;
  while (end < features.length && !features[end]!.around) end++;
  const last = Math.min(end, features.length - 1);
  const around = features[end]?.around;
  const rest = around ? segment(features, end + 1, execute) : execute;
  const admits = features.map((feature) => feature.admit);
  const responds = features.map((feature) => feature.respond);
  return async (request) => {
    let reached = from;
    let response: GatewayResponse;
    try {
      for (; reached <= last; reached++) {
        const admitted = admits[reached]?.(request);
        if (admitted) await admitted;
      }
      reached = last;
      response = around ? await around(request, rest) : await rest(request);
    } catch (error) {
      const refused = refusalResponse(error, request);
      if (!refused) throw error;
      response = refused;
    }
    for (let i = reached; i >= from; i--) responds[i]?.(request, response);
    return response;
  };
}

function checkOrder(features: readonly GatewayFeature[], executionNeeds: readonly Stage[]): void {
  const provided = new Set<Stage>();
  const names = new Set<string>();
  for (const feature of features) {
    if (names.has(feature.name)) throw new PipelineOrderError(`the gateway feature "${feature.name}" is listed twice`);
    names.add(feature.name);
    for (const stage of feature.needs) {
      if (!provided.has(stage)) throw new PipelineOrderError(`the gateway feature "${feature.name}" needs "${stage}", which no feature before it provides`);
    }
    for (const stage of feature.provides) provided.add(stage);
  }
  for (const stage of executionNeeds) {
    if (!provided.has(stage)) throw new PipelineOrderError(`execution needs "${stage}", which no gateway feature provides`);
  }
}

/**
 * Runs the features' steps in list order, then execution. Built once at start-up: the chain of steps is
 * composed then, and the order is checked then (a step that needs a stage no earlier step provides is a
 * start-up error, not a request-time surprise). A refusal thrown by any step becomes its answer before it
 * reaches the steps wrapped around it, so they always see a response.
 */
import type { HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLHttpRequest } from '../../subgraphs/kit/index.js';
import type { GatewayFeature, Next } from './feature.js';
import type { GatewayResponse, RequestWith, Stage } from './gateway-request.js';
import { refusalResponse } from './refusal.js';

/** The end of the pipeline: runs the admitted request. */
export interface Execution<N extends Stage> {
  needs: readonly N[];
  run(request: RequestWith<N>): Promise<GatewayResponse>;
}

export type Pipeline = (http: GraphQLHttpRequest) => Promise<HTTPGraphQLResponse>;

/** The features' order is wrong: names the feature and the stage it lacks. */
export class PipelineOrderError extends Error {}

export function createPipeline<N extends Stage>(features: readonly GatewayFeature[], execution: Execution<N>): Pipeline {
  checkOrder(features, execution.needs);
  let chain: Next = answeringRefusals((request) => execution.run(request as RequestWith<N>));
  for (let i = features.length - 1; i >= 0; i--) {
    const step = features[i]!.step;
    if (!step) continue;
    const next = chain;
    chain = answeringRefusals((request) => step(request, next));
  }
  const run = chain;
  return (http) => run({ http });
}

/** Wraps a step so a refusal it throws is answered (as a response) and anything else propagates (a bug: 500). */
function answeringRefusals(next: Next): Next {
  return async (request) => {
    try {
      return await next(request);
    } catch (error) {
      const refused = refusalResponse(error, request);
      if (refused) return refused;
      throw error;
    }
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

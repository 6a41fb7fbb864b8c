/**
 * The one shape of every gateway feature. The server lists its features once, in order
 * (gateway-server.ts); each may take a step in the request pipeline, add hooks inside Apollo's
 * execution, and serve routes beside /graphql. Like Hive Gateway's plugins, a feature gets what
 * earlier steps resolved through the typed request (gateway-request.ts), never by resolving the
 * request again: it names the stages it `needs`, and the pipeline refuses to start when no earlier
 * feature `provides` one of them.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RawRoute } from '../../subgraphs/kit/index.js';
import type { GatewayContext } from '../gateway-context.js';
import type { GatewayRequest, GatewayResponse, RequestWith, Stage } from './gateway-request.js';

/** The rest of the pipeline after a step. It never throws a refusal: a refused request comes back as a response. */
export type Next = (request: GatewayRequest) => Promise<GatewayResponse>;

export interface GatewayFeature {
  /** Names the feature in start-up errors. */
  readonly name: string;
  /** Stages an earlier feature must provide. */
  readonly needs: readonly Stage[];
  /** Stages this feature's step sets on the request before calling `next`. */
  readonly provides: readonly Stage[];
  /**
   * Its step: check or resolve something on `request`, then `return next(request)`; or answer without
   * `next` (throwing HttpError or GraphQLRefusal refuses); or wrap `next` to adjust the answer.
   */
  readonly step?: (request: GatewayRequest, next: Next) => Promise<GatewayResponse>;
  /** Hooks inside Apollo Server's execution of the request (after the pipeline admitted it). */
  readonly apollo: readonly ApolloServerPlugin<GatewayContext>[];
  /** HTTP routes beside the GraphQL path. */
  readonly routes: readonly RawRoute[];
}

/** How a feature is written: its step sees the stages it needs as present. */
export interface FeatureDefinition<N extends Stage> {
  name: string;
  needs?: readonly N[];
  provides?: readonly Stage[];
  step?(request: RequestWith<N>, next: Next): Promise<GatewayResponse>;
  apollo?: ApolloServerPlugin<GatewayContext> | readonly ApolloServerPlugin<GatewayContext>[];
  routes?: readonly RawRoute[];
}

/** Declares a feature. The pipeline checks `needs` against earlier features' `provides` when it is built. */
export function defineFeature<N extends Stage = never>(definition: FeatureDefinition<N>): GatewayFeature {
  const { name, needs = [], provides = [], step, apollo = [], routes = [] } = definition;
  const plugins = Array.isArray(apollo) ? apollo : [apollo as ApolloServerPlugin<GatewayContext>];
  // Sound because createPipeline checks, once, that an earlier feature provides every stage in `needs`.
  return { name, needs, provides, step: step as GatewayFeature['step'], apollo: plugins, routes };
}

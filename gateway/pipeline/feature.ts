/**
 * The one shape of every gateway feature. The server lists its features once, in order
 * (gateway-server.ts); each may take part in the request pipeline through three hooks, add hooks inside
 * Apollo's execution, and serve routes beside /graphql. Like Hive Gateway's plugins, a feature gets what
 * earlier steps resolved through the typed request (gateway-request.ts), never by resolving the request
 * again: it names the stages it `needs`, and the pipeline refuses to start when no earlier feature
 * `provides` one of them.
 *
 * - `admit`: check or resolve something on the request, in list order; throwing HttpError or
 *   GraphQLRefusal refuses it (nothing later runs, the refusal is the answer). Most steps are this.
 * - `respond`: adjust the answer on its way out, in reverse list order, for every request the feature's
 *   own step was reached by (refused ones included).
 * - `around`: run the rest of the pipeline itself, or answer without it (merging an identical request).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RawRoute } from '@identity-federation-gateway/subgraph-kit';
import type { GatewayContext } from '../gateway-context.js';
import type { GatewayRequest, GatewayResponse, RequestWith, Stage } from './gateway-request.js';

/** The rest of the pipeline after a step. It never throws a refusal: a refused request comes back as a response. */
export type Next = (request: GatewayRequest) => Promise<GatewayResponse>;

export interface GatewayFeature {
  /** Names the feature in start-up errors. */
  readonly name: string;
  /** Stages an earlier feature must provide. */
  readonly needs: readonly Stage[];
  /** Stages this feature's `admit` sets on the request. */
  readonly provides: readonly Stage[];
  /** Checks or resolves; a promise only when it must wait (most requests pass every step without one). */
  readonly admit?: (request: GatewayRequest) => void | Promise<void>;
  /** Adjusts the answer (status, headers), or observes it. */
  readonly respond?: (request: GatewayRequest, response: GatewayResponse) => void;
  /** Runs `next` (the rest of the pipeline) or answers in its place. */
  readonly around?: (request: GatewayRequest, next: Next) => Promise<GatewayResponse>;
  /**
   * Hooks inside Apollo Server's execution of the request (after the pipeline admitted it). Every feature's
   * run as one plugin (combined-plugin.ts), which carries `requestDidStart` and, in its listeners,
   * `didResolveSource`, `didResolveOperation`, `responseForOperation`, `didEncounterErrors` and
   * `willSendResponse`; any other hook is refused (a plugin hook at start-up, a listener hook at the first
   * request), never silently dropped.
   */
  readonly apollo: readonly ApolloServerPlugin<GatewayContext>[];
  /** HTTP routes beside the GraphQL path. */
  readonly routes: readonly RawRoute[];
}

/** How a feature is written: its `admit` and `around` see the stages it needs as present. */
export interface FeatureDefinition<N extends Stage> {
  name: string;
  needs?: readonly N[];
  provides?: readonly Stage[];
  admit?(request: RequestWith<N>): void | Promise<void>;
  /** Sees requests refused before this feature's stages were all resolved too: read them as optional. */
  respond?(request: GatewayRequest, response: GatewayResponse): void;
  around?(request: RequestWith<N>, next: Next): Promise<GatewayResponse>;
  apollo?: ApolloServerPlugin<GatewayContext> | readonly ApolloServerPlugin<GatewayContext>[];
  routes?: readonly RawRoute[];
}

/** Declares a feature. The pipeline checks `needs` against earlier features' `provides` when it is built. */
export function defineFeature<N extends Stage = never>(definition: FeatureDefinition<N>): GatewayFeature {
  const { name, needs = [], provides = [], admit, respond, around, apollo = [], routes = [] } = definition;
  const plugins = Array.isArray(apollo) ? apollo : [apollo as ApolloServerPlugin<GatewayContext>];
  // Sound because createPipeline checks, once, that an earlier feature provides every stage in `needs`.
  return {
    name,
    needs,
    provides,
    admit: admit as GatewayFeature['admit'],
    respond,
    around: around as GatewayFeature['around'],
    apollo: plugins,
    routes,
  };
}

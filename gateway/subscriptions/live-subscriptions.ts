/**
 * The subscriptions running on this gateway. A subscription admitted by the pipeline is planned
 * (subscription-plans.ts), its primary fetch subscribed to on the owning subgraph (upstream-socket.ts,
 * signed as the subscriber), and each event completed by the rest of the plan as that subscriber
 * (plan-executor.ts) and sent on.
 *
 * - Identical anonymous subscriptions (same document, operation and variables) share one upstream
 *   subscription and one execution per event: the result is serialized once and written to every
 *   socket. A subscriber joining a shared subscription first gets its latest result (for a live-state
 *   subscription such as couponStock, the state as it is: what an upstream of its own would send
 *   first). A viewer's subscription has its own upstream and its own executions: nothing a viewer's
 *   identity produced is ever shared.
 * - Events of one upstream are completed and sent one at a time, in the order they came.
 * - When a viewer's identities change (a link, an unlink, consent given or withdrawn), each of their
 *   subscriptions checks what its subgraph would now be told; if that differs, the upstream is reopened
 *   with the new identity at once, and events of the old one are never sent. Until the check is done,
 *   no event of that viewer's subscription is sent.
 */
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../platform/logger.js';
import type { ExecuteSubscriptionEvent, SubscriptionEvent } from '../apollo-patches/plan-executor.js';
import { buildGatewayContext, type PeekableDirectory } from '../gateway-context.js';
import type { MerchantIdentities } from '../identity-directory.js';
import { GraphQLRefusal } from '../pipeline/refusal.js';
import type { RequestWith, SocketChannel } from '../pipeline/gateway-request.js';
import { restoreRemoved, type RemovedField } from '../pipeline/removed-fields.js';
import type { SubgraphIdentity } from '../subgraph-identity.js';
import type { Viewer } from '../viewer.js';
import { SubscriptionPlanError, type PreparedSubscription, type SubscriptionPlans } from './subscription-plans.js';
import { UpstreamSubscription, type UpstreamTiming } from './upstream-socket.js';

/** A subgraph as subscriptions reach it: its URL and, with a platform config, what it may be told about the viewer. */
export interface UpstreamTarget {
  url: string;
  identity: SubgraphIdentity | undefined;
}

/** Counts for /metrics (read at scrape time). */
export interface SubscriptionStats {
  /** Subscriptions clients hold now. */
  downstream: number;
  /** Subscriptions the gateway holds on subgraphs now. */
  upstream: number;
  /** Event results written to a client socket. */
  delivered: number;
  /** Event results not sent: a slow client's full buffer, a backlog past the bound, or a superseded identity. */
  dropped: number;
  /** Upstream sockets reopened after a drop. */
  reconnects: number;
}

export interface LiveSubscriptionsOptions {
  plans: SubscriptionPlans;
  executeEvent: ExecuteSubscriptionEvent;
  /** By subgraph name. */
  targets: ReadonlyMap<string, UpstreamTarget>;
  directory: PeekableDirectory | undefined;
  /** Apollo's formatError for the gateway (masks what is not public). */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Whether clients may see an error with this code (others are masked, and logged). */
  isPublic(code: unknown, error: unknown): boolean;
  logger: Logger;
  timing?: Partial<UpstreamTiming>;
  /** Events waiting for completion per upstream before new ones are dropped. @default 100 */
  maxQueuedEvents?: number;
}

/** The request as the pipeline admitted it. */
export type AdmittedSubscription = RequestWith<'params' | 'document' | 'operation' | 'viewer'>;

interface Group {
  /** Set for shared (anonymous) groups: their key in `shared`. */
  readonly key: string | undefined;
  readonly viewer: Viewer | undefined;
  readonly prepared: PreparedSubscription;
  readonly variables: Record<string, unknown> | undefined;
  readonly requestId: string;
  readonly target: UpstreamTarget;
  /** Fields removed before the subscription started (authorization): each event answers them null, with their errors. */
  readonly removed: readonly RemovedField[];
  /** Each subscriber, with the sequence number of the next result it is to be sent. */
  readonly subscribers: Map<SocketChannel, { next: number }>;
  upstream: UpstreamSubscription | undefined;
  /** What the open upstream's identity disclosed (SubgraphIdentity.disclosure). */
  disclosure: string | undefined;
  /** Bumped when the upstream is reopened with another identity: events of older generations are dropped. */
  generation: number;
  /** Completion of the events so far, in order. */
  chain: Promise<void>;
  queued: number;
  /** A check of the viewer's identities in progress: events wait for it. */
  recheck: Promise<void> | undefined;
  /** The latest results, oldest first (at most RESULTS_KEPT): what the writer sends subscribers that are behind. */
  results: Buffer[];
  /** The sequence number of `results[0]`; the next result gets `firstSeq + results.length`. */
  firstSeq: number;
  /** The writer's pass over the subscribers is running (resolves when every subscriber is up to date). */
  writing: Promise<void> | undefined;
  ended: boolean;
}

/** Results kept for subscribers that are behind; one further behind skips the older ones (counted dropped). */
const RESULTS_KEPT = 64;
/** Subscribers written per turn of the event loop: a fan-out to thousands never blocks other requests for long. */
const SUBSCRIBERS_PER_TURN = 500;

export class LiveSubscriptions {
  readonly stats: SubscriptionStats = { downstream: 0, upstream: 0, delivered: 0, dropped: 0, reconnects: 0 };
  private readonly shared = new Map<string, Group>();
  private readonly byUser = new Map<string, Set<Group>>();
  private readonly maxQueued: number;

  constructor(private readonly options: LiveSubscriptionsOptions) {
    this.maxQueued = options.maxQueuedEvents ?? 100;
  }

  /**
   * Starts `request`'s subscription, sending to `channel`; returns the function that ends it. Throws
   * GraphQLRefusal when it cannot start (variables that do not coerce, an operation no subgraph serves).
   */
  start(request: AdmittedSubscription, channel: SocketChannel): () => void {
    const { params, viewer } = request;
    const prepared = this.prepare(request);
    const coercion = this.options.plans.variableErrors(prepared, params.variables);
    if (coercion?.length) throw new GraphQLRefusal(400, 'BAD_USER_INPUT', coercion);
    const target = this.options.targets.get(prepared.plan.primary.serviceName);
    if (!target) throw new GraphQLRefusal(400, 'OPERATION_RESOLUTION_FAILURE', [refusal(`No subgraph named ${prepared.plan.primary.serviceName} is served.`)]);

    let group: Group | undefined;
    const key = viewer ? undefined : `${request.document.hash}\0${params.operationName ?? ''}\0${JSON.stringify(params.variables ?? null)}`;
    if (key !== undefined) {
      group = this.shared.get(key);
      // A reloaded supergraph plans anew: new subscribers join a group on the new plan.
      if (group && group.prepared !== prepared) group = undefined;
    }
    if (!group) group = this.open(prepared, target, viewer, params.variables, request.http.requestId, key, request.removed?.fields ?? []);
    const latest = group.results.at(-1);
    const upTo = group.firstSeq + group.results.length;
    if (latest) {
      // Joining a shared subscription: start from the latest result, as an upstream of its own would
      // (a live-state subscription's first event is the state as it is), then every event from now on.
      channel.next([latest]);
      this.stats.delivered++;
    }
    group.subscribers.set(channel, { next: upTo });
    this.stats.downstream++;
    const joined = group;
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (!joined.subscribers.delete(channel)) return;
      this.stats.downstream--;
      if (joined.subscribers.size === 0) this.end(joined);
    };
  }

  /** The users named changed identities: each of their subscriptions checks what its subgraph may now be told. */
  identitiesChanged(userIds: readonly string[]): void {
    for (const userId of userIds) {
      for (const group of this.byUser.get(userId) ?? []) {
        const check: Promise<void> = this.recheck(group).finally(() => {
          if (group.recheck === check) group.recheck = undefined;
        });
        group.recheck = check;
      }
    }
  }

  /** Ends every subscription (the gateway is stopping): their upstreams close; client sockets are closed by their owner. */
  closeAll(): void {
    const groups = [...this.shared.values(), ...[...this.byUser.values()].flatMap((set) => [...set])];
    for (const group of groups) this.end(group);
  }

  private prepare(request: AdmittedSubscription): PreparedSubscription {
    try {
      return this.options.plans.prepare(request.operation.document, request.params.operationName);
    } catch (error) {
      if (error instanceof SubscriptionPlanError) throw new GraphQLRefusal(400, 'OPERATION_RESOLUTION_FAILURE', [refusal(error.message)]);
      this.options.logger.error({ err: error, requestId: request.http.requestId }, 'a subscription could not be planned');
      throw new GraphQLRefusal(500, 'INTERNAL_SERVER_ERROR', [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    }
  }

  private open(
    prepared: PreparedSubscription,
    target: UpstreamTarget,
    viewer: Viewer | undefined,
    variables: Record<string, unknown> | undefined,
    requestId: string,
    key: string | undefined,
    removed: readonly RemovedField[],
  ): Group {
    const group: Group = {
      key,
      removed,
      viewer,
      prepared,
      variables,
      requestId,
      target,
      subscribers: new Map(),
      upstream: undefined,
      disclosure: undefined,
      generation: 0,
      chain: Promise.resolve(),
      queued: 0,
      recheck: undefined,
      results: [],
      firstSeq: 0,
      writing: undefined,
      ended: false,
    };
    const { primary } = prepared.plan;
    const primaryVariables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) if (variables && variables[name] !== undefined) primaryVariables[name] = variables[name];
    let opened = false;
    group.upstream = new UpstreamSubscription({
      subgraph: primary.serviceName,
      url: target.url,
      request: {
        query: primary.operation,
        operationName: primary.operationName,
        variables: target.identity ? target.identity.variablesFor(primaryVariables) : primaryVariables,
      },
      init: (frame) => this.identify(group, frame),
      handlers: {
        next: (event) => this.received(group, event),
        end: (errors) => this.upstreamEnded(group, errors),
      },
      timing: this.options.timing,
      onConnection: (event) => {
        if (event === 'open' && opened) this.stats.reconnects++;
        if (event === 'open') opened = true;
      },
    });
    if (key !== undefined) this.shared.set(key, group);
    if (viewer) {
      let groups = this.byUser.get(viewer.userId);
      if (!groups) this.byUser.set(viewer.userId, (groups = new Set()));
      groups.add(group);
    }
    this.stats.upstream++;
    group.upstream.start();
    return group;
  }

  /** The `connection_init` for an upstream socket: the subscriber's identity signed over `frame`, as an HTTP fetch's would be. */
  private async identify(group: Group, frame: string): Promise<Record<string, string>> {
    const init: Record<string, string> = { 'x-request-id': group.requestId };
    const { identity } = group.target;
    if (!identity) return init;
    const identities = await this.identitiesOf(group.viewer, identity);
    group.disclosure = identity.disclosure(group.viewer, identities);
    init['x-identity'] = identity.sign(identity.encodedClaimsFor(group.viewer, identities), frame);
    return init;
  }

  private async identitiesOf(viewer: Viewer | undefined, identity: SubgraphIdentity): Promise<MerchantIdentities | undefined> {
    if (!viewer || !identity.needsIdentities(viewer)) return undefined;
    const context = buildGatewayContext('', viewer, this.options.directory);
    return context.cachedMerchantIdentities() ?? (await context.merchantIdentities());
  }

  private async recheck(group: Group): Promise<void> {
    const { identity } = group.target;
    if (group.ended || !identity || !group.upstream) return;
    let now: string | undefined;
    try {
      now = identity.disclosure(group.viewer, await this.identitiesOf(group.viewer, identity));
    } catch {
      // The store cannot say what is allowed now: reopen, which waits for it and signs what it then allows.
    }
    if (now !== undefined && now === group.disclosure) return;
    group.generation++;
    group.upstream.restart();
  }

  private received(group: Group, event: SubscriptionEvent): void {
    if (group.ended) return;
    if (group.queued >= this.maxQueued) {
      this.stats.dropped += group.subscribers.size;
      return;
    }
    const generation = group.generation;
    group.queued++;
    group.chain = group.chain
      .then(() => this.deliver(group, event, generation))
      .catch((error: unknown) => this.options.logger.error({ err: error, requestId: group.requestId }, 'a subscription event could not be completed'))
      .finally(() => void group.queued--);
  }

  private async deliver(group: Group, event: SubscriptionEvent, generation: number): Promise<void> {
    while (group.recheck) await group.recheck;
    if (group.ended) return;
    if (generation !== group.generation) {
      this.stats.dropped += group.subscribers.size;
      return;
    }
    const { prepared } = group;
    const { supergraph } = prepared;
    const context = buildGatewayContext(group.requestId, group.viewer, this.options.directory);
    const requestContext = {
      request: { query: undefined, operationName: undefined, variables: group.variables, http: undefined },
      context,
      logger: this.options.logger,
      metrics: {},
      overallCachePolicy: undefined,
    } as unknown as GatewayGraphQLRequestContext;
    const serviceMap: Record<string, never> = {};
    for (const [name, { dataSource }] of Object.entries(supergraph.serviceMap)) serviceMap[name] = dataSource as never;
    const result = await this.options.executeEvent(
      event,
      prepared.plan,
      serviceMap,
      requestContext,
      prepared.operationContext as never,
      supergraph.supergraphSchema,
      supergraph.apiSchema,
    );
    // The identity changed while this event was completed: it was made with what is no longer allowed.
    if (group.ended || generation !== group.generation) {
      this.stats.dropped += group.subscribers.size;
      return;
    }
    const answer = this.format(result, group.requestId);
    const complete = group.removed.length > 0 ? restoreRemoved(answer, group.removed) : answer;
    group.results.push(Buffer.from(JSON.stringify(complete)));
    if (group.results.length > RESULTS_KEPT) {
      group.results.shift();
      group.firstSeq++;
    }
    group.writing ??= this.write(group).finally(() => (group.writing = undefined));
  }

  /**
   * Brings every subscriber up to date, SUBSCRIBERS_PER_TURN per turn of the event loop, each in one
   * write of all the results it has not had; passes repeat until none is behind. When events come faster
   * than one pass writes them, the next pass writes two or more per socket at once: the cost per socket
   * stays one write, so the fan-out catches up instead of falling further behind.
   */
  private async write(group: Group): Promise<void> {
    let behind = true;
    while (behind && !group.ended) {
      behind = false;
      let written = 0;
      for (const [channel, cursor] of group.subscribers) {
        const upTo = group.firstSeq + group.results.length;
        if (cursor.next >= upTo) continue;
        if (cursor.next < group.firstSeq) {
          this.stats.dropped += group.firstSeq - cursor.next;
          cursor.next = group.firstSeq;
        }
        const pending = group.results.slice(cursor.next - group.firstSeq);
        cursor.next = upTo;
        channel.next(pending);
        this.stats.delivered += pending.length;
        if (++written % SUBSCRIBERS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      for (const cursor of group.subscribers.values()) if (cursor.next < group.firstSeq + group.results.length) behind = true;
    }
    // Everyone is up to date: keep only what a joiner starts from (shared groups: the latest result).
    const drop = group.results.length - (group.key !== undefined ? 1 : 0);
    if (drop > 0) {
      group.results.splice(0, drop);
      group.firstSeq += drop;
    }
  }

  /** The result as Apollo Server would answer it: errors as GraphQL formats them, coded, masked unless public (and then logged). */
  private format(
    result: { data?: unknown; errors?: readonly unknown[]; extensions?: unknown },
    requestId: string,
  ): { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] } {
    const answer: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] } = {};
    if (result.errors?.length) {
      const { GraphQLError: ApolloGraphQLError } = this.options.plans.graphql;
      answer.errors = result.errors.map((raw) => {
        // Errors are Apollo's graphql's (its executor builds them), or whatever a fetch threw.
        const error: GraphQLError =
          raw instanceof ApolloGraphQLError ? raw : new ApolloGraphQLError((raw as Error).message ?? String(raw), { originalError: raw as Error });
        const formatted = error.toJSON();
        const coded = { ...formatted, extensions: { ...formatted.extensions, code: formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR' } };
        if (!this.options.isPublic(coded.extensions.code, error)) {
          this.options.logger.error({ err: error.originalError ?? error, requestId, path: error.path }, 'unexpected error masked for the client');
        }
        return this.options.formatError(coded, error);
      });
    }
    if ('data' in result) answer.data = result.data as Record<string, unknown> | null;
    return answer;
  }

  private upstreamEnded(group: Group, errors: readonly GraphQLFormattedError[] | undefined): void {
    if (group.ended) return;
    // Everything already received is sent before the end.
    void group.chain
      .then(() => group.writing)
      .then(() => {
        for (const channel of [...group.subscribers.keys()]) channel.end(errors?.map((error) => this.options.formatError(error, error)));
        this.end(group);
      });
  }

  private end(group: Group): void {
    if (group.ended) return;
    group.ended = true;
    this.stats.upstream--;
    this.stats.downstream -= group.subscribers.size;
    group.subscribers.clear();
    group.upstream?.stop();
    if (group.key !== undefined && this.shared.get(group.key) === group) this.shared.delete(group.key);
    if (group.viewer) {
      const groups = this.byUser.get(group.viewer.userId);
      groups?.delete(group);
      if (groups?.size === 0) this.byUser.delete(group.viewer.userId);
    }
  }
}

const refusal = (message: string): GraphQLFormattedError => ({ message, extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });

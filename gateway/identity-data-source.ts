/**
 * The gateway's one subgraph data source. Before each subgraph request it drops any identity header,
 * then (with injection on) signs and attaches what that subgraph may know about the viewer, bound to
 * this request's query and variables.
 */
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLRequest, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { Headers, IDENTITY_HEADER_PREFIX } from '../platform/headers.js';
import { encodeClaims, requestBinding, signEncodedIdentity } from '../platform/identity/identity-assertion.js';
import type { GatewayContext } from './gateway-context.js';
import { identityClaimsFor, needsMerchantIdentities } from './identity-injection.js';
import { pseudonymsFor, pseudonymizeUserRepresentations } from './pseudonym.js';
import { DEDUPE_KEY_HEADER, type SubgraphTransport } from './subgraph-transport.js';

export interface IdentityInjection {
  platform: PlatformIndex;
  /** This subgraph's signing secret. */
  secret: string;
  /** Called after a mutation on this subgraph answers (identity changes become visible at once). */
  afterMutation?: () => Promise<void>;
}

const MUTATION = /^\s*mutation\b/;

/** Encoded claims kept per second, at most (beyond it, claims are encoded per fetch). */
const ENCODED_CLAIMS_LIMIT = 50_000;

type SendOptions = Parameters<RemoteGraphQLDataSource<GatewayContext>['willSendRequest'] & {}>[0];

export class IdentityDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly injection: IdentityInjection | undefined,
    transport: SubgraphTransport,
  ) {
    super({ url, fetcher: transport.fetcher as never });
    this.pseudonymOf = injection ? pseudonymsFor(injection.secret) : undefined;
  }

  private readonly pseudonymOf: ((userId: string) => string) | undefined;
  private readonly encodedClaims = new Map<string, string>();
  private encodedSecond = 0;

  /** After a mutation answers (a login or link may have changed identities), refresh caches before the client sees it. */
  override async didReceiveResponse({
    response,
    request,
  }: {
    response: GatewayGraphQLResponse;
    request: GatewayGraphQLRequest;
  }): Promise<GatewayGraphQLResponse> {
    if (this.injection?.afterMutation && MUTATION.test(request.query ?? '')) await this.injection.afterMutation();
    return response;
  }

  override async willSendRequest(options: SendOptions): Promise<void> {
    const { request } = options;
    const headers = request.http!.headers;
    for (const [name] of headers) if (name.toLowerCase().startsWith(IDENTITY_HEADER_PREFIX)) headers.delete(name);
    const context = 'context' in options ? (options.context as GatewayContext | undefined) : undefined;
    if (!context?.requestId) return; // health checks carry no request context
    headers.set(Headers.requestId, context.requestId);
    const mergeable = !MUTATION.test(request.query ?? '');
    if (!this.injection) {
      if (mergeable) headers.set(DEDUPE_KEY_HEADER, 'anonymous');
      return;
    }

    const { platform, secret } = this.injection;
    const merchant = platform.merchantBySubgraph(this.subgraph);
    const pseudonymOf = this.pseudonymOf!;
    const pseudonym = context.viewer && merchant ? pseudonymOf(context.viewer.userId) : undefined;
    // Merchants see User ids only as pairwise pseudonyms; only the viewer's own matches the `psu` claim.
    if (merchant) request.variables = pseudonymizeUserRepresentations(request.variables, pseudonymOf);
    const merchantIdentities = needsMerchantIdentities(platform, this.subgraph, context.viewer)
      ? (context.cachedMerchantIdentities() ?? (await context.merchantIdentities()))
      : undefined;
    // Claims for one viewer and subgraph are the same within a second: encode them once per second.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const viewer = context.viewer;
    const openId = merchant ? merchantIdentities?.get(merchant.id)?.openId : undefined;
    const who = viewer ? `${viewer.userId}|${viewer.appId}|${viewer.sessionId}|${openId ?? ''}|${pseudonym ?? ''}` : 'anonymous';
    if (nowSeconds !== this.encodedSecond) {
      this.encodedClaims.clear();
      this.encodedSecond = nowSeconds;
    }
    let encoded = this.encodedClaims.get(who);
    if (encoded === undefined) {
      encoded = encodeClaims(identityClaimsFor(platform, { subgraph: this.subgraph, nowSeconds, viewer, merchantIdentities, pseudonym }));
      if (this.encodedClaims.size < ENCODED_CLAIMS_LIMIT) this.encodedClaims.set(who, encoded);
    }
    // Fetches may share one answer only when they assert the same identity. Viewers' fetches are not
    // offered for merging at all: different viewers never merge, and one viewer rarely repeats a fetch
    // concurrently, so keying them would be bookkeeping with no benefit.
    if (mergeable && !viewer) headers.set(DEDUPE_KEY_HEADER, who);
    headers.set(Headers.identity, signEncodedIdentity(secret, encoded, requestBinding(request.query, request.variables)));
  }
}

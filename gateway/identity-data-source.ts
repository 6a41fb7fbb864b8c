/**
 * The gateway's one subgraph data source. Before each subgraph request it drops any identity header,
 * then (with injection on) signs and attaches what that subgraph may know about the viewer, bound to
 * this request's query and variables.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { Headers, IDENTITY_HEADER_PREFIX } from '../platform/headers.js';
import { requestDigest, signIdentity } from '../platform/identity/identity-assertion.js';
import type { GatewayContext } from './gateway-context.js';
import { identityClaimsFor, needsMerchantIdentities } from './identity-injection.js';
import { pairwisePseudonym, pseudonymizeUserRepresentations } from './pseudonym.js';

export interface IdentityInjection {
  platform: PlatformIndex;
  /** This subgraph's signing secret. */
  secret: string;
}

type SendOptions = Parameters<RemoteGraphQLDataSource<GatewayContext>['willSendRequest'] & {}>[0];

export class IdentityDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly injection: IdentityInjection | undefined,
    fetcher?: typeof fetch,
  ) {
    super({ url, ...(fetcher ? { fetcher: fetcher as never } : {}) });
  }

  override async willSendRequest(options: SendOptions): Promise<void> {
    const { request } = options;
    const headers = request.http!.headers;
    for (const [name] of headers) if (name.toLowerCase().startsWith(IDENTITY_HEADER_PREFIX)) headers.delete(name);
    const context = 'context' in options ? (options.context as GatewayContext | undefined) : undefined;
    if (!context?.requestId) return; // health checks carry no request context
    headers.set(Headers.requestId, context.requestId);
    if (!this.injection) return;

    const { platform, secret } = this.injection;
    const merchant = platform.merchantBySubgraph(this.subgraph);
    const pseudonym = context.viewer && merchant ? pairwisePseudonym(secret, context.viewer.userId) : undefined;
    // Merchants see User ids only as pairwise pseudonyms; only the viewer's own matches the `psu` claim.
    if (merchant) request.variables = pseudonymizeUserRepresentations(request.variables, (id) => pairwisePseudonym(secret, id));
    const merchantIdentities = needsMerchantIdentities(platform, this.subgraph, context.viewer) ? await context.merchantIdentities() : undefined;
    const claims = identityClaimsFor(platform, {
      subgraph: this.subgraph,
      requestId: context.requestId,
      nowSeconds: Math.floor(Date.now() / 1000),
      viewer: context.viewer,
      merchantIdentities,
      pseudonym,
    });
    for (const [name, value] of Object.entries(signIdentity(secret, claims, requestDigest(request.query, request.variables)))) headers.set(name, value);
  }
}

export type { GraphQLDataSourceProcessOptions };

/**
 * What one subgraph is told about the viewer, ready to send: the claims identity-injection.ts decides,
 * encoded (and reused for a few seconds), signed over the exact bytes that carry them, and a merchant's
 * User ids turned into pairwise pseudonyms. Every way the gateway reaches a subgraph uses it: HTTP
 * fetches (subgraph-data-source.ts) and upstream subscriptions (subscriptions/upstream-socket.ts), so a
 * socket never learns more than a fetch would.
 */
import type { MerchantConfig } from '../platform/config/platform-config.js';
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { encodeClaims, identityKey, signEncodedIdentity, type IdentityClaims, type IdentityKey } from '@identity-federation-gateway/subgraph-kit';
import type { DisclosureRecorder } from './disclosure-log.js';
import type { MerchantIdentities } from './identity-directory.js';
import { identityClaimsFor } from './identity-injection.js';
import { pseudonymsFor, pseudonymizeUserRepresentations } from './pseudonym.js';
import type { Viewer } from './viewer.js';

/** How long one encoding of a viewer's claims is reused: far inside IDENTITY_TTL_SECONDS (30). */
export const CLAIMS_REUSE_SECONDS = 5;

export interface SubgraphIdentityOptions {
  platform: PlatformIndex;
  /** This subgraph's signing secret. */
  secret: string;
  /** Told when this (merchant) subgraph is given a viewer's OpenID: the disclosure log. */
  onDisclosed?: DisclosureRecorder;
}

interface EncodedClaims {
  second: number;
  identities: MerchantIdentities | undefined;
  encoded: string;
}

export class SubgraphIdentity {
  /** The merchant owning this subgraph (by subgraph name, from the platform config); undefined for the identity subgraph. */
  readonly merchant: MerchantConfig | undefined;
  private readonly key: IdentityKey;
  private readonly pseudonymOf: (userId: string) => string;
  private readonly claimsByViewer = new WeakMap<Viewer, EncodedClaims>();
  private anonymousClaims: EncodedClaims | undefined;

  constructor(
    private readonly subgraph: string,
    private readonly options: SubgraphIdentityOptions,
  ) {
    this.merchant = options.platform.merchantBySubgraph(subgraph);
    this.key = identityKey(options.secret);
    this.pseudonymOf = pseudonymsFor(options.secret);
  }

  /** Whether the claims for `viewer` depend on the viewer's merchant identities (so they must be loaded first). */
  needsIdentities(viewer: Viewer | undefined): boolean {
    return viewer !== undefined && this.merchant !== undefined;
  }

  /** The variables as this subgraph may see them: a merchant gets User ids only as pairwise pseudonyms. */
  variablesFor(variables: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    return this.merchant ? pseudonymizeUserRepresentations(variables, this.pseudonymOf) : variables;
  }

  /** The signed identity for `body`, the exact text that carries it (a fetch's body, a socket's subscribe frame). */
  sign(encodedClaims: string, body: string): string {
    return signEncodedIdentity(this.key, encodedClaims, body);
  }

  /**
   * The viewer's claims for this subgraph, encoded. They change only with the viewer, the viewer's
   * identities or time, so each viewer's encoding is reused for CLAIMS_REUSE_SECONDS (re-encoding every
   * second cost a third of all fetches a JSON encoding at a few requests per viewer a second). Reused
   * claims still have at least IDENTITY_TTL_SECONDS - CLAIMS_REUSE_SECONDS to live when they are signed,
   * and every use is signed afresh over its own body. Viewer objects are the verifier's cached ones
   * (stable per token), and identity maps are replaced, never mutated, when identities change, so
   * comparing references is exact: a link, unlink or consent change re-encodes at once.
   */
  encodedClaimsFor(viewer: Viewer | undefined, identities: MerchantIdentities | undefined): string {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const kept = viewer ? this.claimsByViewer.get(viewer) : this.anonymousClaims;
    if (kept && kept.identities === identities && nowSeconds >= kept.second && nowSeconds - kept.second < CLAIMS_REUSE_SECONDS) return kept.encoded;
    const claims = this.claimsAt(nowSeconds, viewer, identities);
    // Noted when claims are encoded (at most once every CLAIMS_REUSE_SECONDS per viewer), so a use reusing them costs nothing.
    if (claims.oid && viewer && this.merchant) this.options.onDisclosed?.(viewer.userId, this.merchant.id);
    const encoded = encodeClaims(claims);
    const entry = { second: nowSeconds, identities, encoded };
    if (viewer) this.claimsByViewer.set(viewer, entry);
    else this.anonymousClaims = entry;
    return encoded;
  }

  /**
   * What the claims for `viewer` disclose, without their time: two values are equal exactly when the
   * subgraph would be told the same about the person (an upstream subscription compares it to notice a
   * consent withdrawn or an identity unlinked while it runs).
   */
  disclosure(viewer: Viewer | undefined, identities: MerchantIdentities | undefined): string {
    return JSON.stringify(this.claimsAt(0, viewer, identities));
  }

  private claimsAt(nowSeconds: number, viewer: Viewer | undefined, identities: MerchantIdentities | undefined): IdentityClaims {
    const pseudonym = viewer && this.merchant ? this.pseudonymOf(viewer.userId) : undefined;
    return identityClaimsFor(this.options.platform, { subgraph: this.subgraph, nowSeconds, viewer, merchantIdentities: identities, pseudonym });
  }
}

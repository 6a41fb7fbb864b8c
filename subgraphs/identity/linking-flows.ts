/**
 * The ways a merchant identity gets linked to a platform user when no UnionID is shared:
 * - handoff: the platform app issues a one-time nonce, the merchant app's login redeems it;
 * - merchant assertion: the merchant signs its OpenID of the person with the platform's nonce;
 * - official-account bridge: each app's web-view runs the platform official account's silent OAuth, and
 *   identities seen with the same official-account OpenID are linked, with the person's consent.
 * Every route is switchable per merchant; every refusal is audited.
 */
import { createHmac } from 'node:crypto';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { PlatformError } from '../../platform/errors.js';
import type { IdentityDoc, IdentityModels, LinkRoute } from '../../platform/identity-store/models.js';
import type { Logger } from '../../platform/logger.js';
import type { WechatClient } from '../../platform/wechat/wechat-client.js';
import type { Consents } from './consents.js';
import type { IdentityStore } from './identity-store.js';
import type { LinkNonces } from './link-nonces.js';
import type { LinkService } from './linking.js';
import type { MerchantAssertionVerifier } from './merchant-assertions.js';
import type { IdentityViewer } from './identity-viewer.js';
import { rethrowWechatFailure } from './wechat-failures.js';

type Route = 'handoff' | 'merchantAssertion' | 'officialAccountBridge';

export interface LinkingDeps {
  platform: PlatformIndex;
  models: IdentityModels;
  /** Identity reads and inserts (duplicate-safe, change-feed recorded) go through the store. */
  store: IdentityStore;
  nonces: LinkNonces;
  links: LinkService;
  consents: Consents;
  assertions: MerchantAssertionVerifier;
  wechat: WechatClient;
  secretOf(envName: string): string | undefined;
  /** Keys the HMAC that stands in for the official-account OpenID. */
  bridgeKeySecret: Buffer;
  logger: Logger;
  now?: () => Date;
}

export type BridgeOutcome = 'LINKED' | 'RECORDED' | 'REFUSED';

export class LinkingFlows {
  constructor(private readonly deps: LinkingDeps) {}

  /** A handoff nonce for the platform app to pass to `merchantId`'s app through navigateToMiniProgram. */
  async createHandoffNonce(viewer: IdentityViewer, merchantId: string) {
    const merchant = this.merchantWithRoute(merchantId, 'handoff');
    this.requirePlatformSession(viewer);
    return this.deps.nonces.issue({ kind: 'HANDOFF', userId: viewer.userId, sessionId: viewer.sessionId, appId: merchant.appId, merchantId: merchant.id });
  }

  /** Called by login(appId, code, linkNonce) once the merchant identity is proven by the code. */
  async redeemHandoff(linkNonce: string, identity: IdentityDoc, requestId?: string): Promise<string> {
    const merchant = identity.merchantId ? this.deps.platform.merchant(identity.merchantId) : undefined;
    if (!merchant) throw new PlatformError('LINK_NONCE_MISMATCH', 'Link nonces are redeemed from a merchant mini-program.');
    this.merchantWithRoute(merchant.id, 'handoff');
    const nonce = await this.refusingAudited('HANDOFF', { userId: identity.userId, merchantId: merchant.id, appId: identity.appId, requestId }, () =>
      this.deps.nonces.redeem(linkNonce, { kind: 'HANDOFF', appId: identity.appId, merchantId: merchant.id, redeemer: String(identity._id) }),
    );
    const survivor = await this.deps.links.link({ identity, userId: nonce.userId, route: 'HANDOFF', requestId });
    await this.deps.nonces.complete(nonce);
    return survivor;
  }

  /**
   * Login found the identity's new UnionID held by another user: links them (`via: UNIONID`), merging the
   * newer user into the older. A conflict is audited and leaves them apart, and the login goes on: the
   * person proved their own identity, and refusing the merge must not lock them out of the app.
   */
  async linkByUnionId(identity: IdentityDoc, holderUserId: string, requestId?: string): Promise<string> {
    try {
      return await this.deps.links.link({ identity, userId: holderUserId, route: 'UNIONID', requestId });
    } catch (error) {
      if (!(error instanceof PlatformError && error.code === 'IDENTITY_CONFLICT')) throw error;
      this.deps.logger.warn({ userId: identity.userId, otherUserId: holderUserId, requestId }, 'UnionID links two users that cannot be one person; not merged');
      return identity.userId;
    }
  }

  /** A nonce the merchant must put in its signed assertion. */
  async createAssertionNonce(viewer: IdentityViewer, merchantId: string) {
    const merchant = this.merchantWithRoute(merchantId, 'merchantAssertion');
    return this.deps.nonces.issue({ kind: 'ASSERTION', userId: viewer.userId, sessionId: viewer.sessionId, appId: merchant.appId, merchantId: merchant.id });
  }

  async linkMerchantAssertion(viewer: IdentityViewer, assertion: string, requestId?: string): Promise<IdentityDoc> {
    const verified = await this.refusingAudited('MERCHANT_ASSERTION', { userId: viewer.userId, requestId }, () => this.deps.assertions.verify(assertion));
    const { merchant, openId } = verified;
    await this.refusingAudited('MERCHANT_ASSERTION', { userId: viewer.userId, merchantId: merchant.id, requestId }, () =>
      this.deps.nonces.redeem(verified.nonce, { kind: 'ASSERTION', merchantId: merchant.id, userId: viewer.userId }),
    );
    const now = this.deps.now?.() ?? new Date();
    const identity =
      (await this.deps.store.findIdentity(merchant.appId, openId)) ??
      (await this.deps.store.insertIdentity({ appId: merchant.appId, openId, merchantId: merchant.id, userId: viewer.userId, via: 'MERCHANT_ASSERTION' }, now))
        .identity;
    await this.deps.links.link({ identity, userId: viewer.userId, route: 'MERCHANT_ASSERTION', requestId });
    return (await this.deps.models.Identity.findById(identity._id).lean<IdentityDoc>().exec())!;
  }

  /** Starts the bridge for the viewer's current app identity; returns the nonce the web-view URL carries. */
  async startBridge(viewer: IdentityViewer) {
    const { platform } = this.deps;
    if (!platform.config.platform.officialAccountAppId) throw new PlatformError('LINK_ROUTE_DISABLED', 'The platform has no official account.');
    const merchant = platform.merchantByApp(viewer.appId);
    if (merchant) this.merchantWithRoute(merchant.id, 'officialAccountBridge');
    else if (!platform.config.merchants.some((m) => m.linking.officialAccountBridge)) {
      throw new PlatformError('LINK_ROUTE_DISABLED', 'No merchant uses the official-account bridge.');
    }
    return this.deps.nonces.issue({
      kind: 'OA_BRIDGE',
      userId: viewer.userId,
      sessionId: viewer.sessionId,
      appId: viewer.appId,
      ...(merchant ? { merchantId: merchant.id } : {}),
    });
  }

  /** Whether a bridge nonce exists and is unused (the start page checks before redirecting to WeChat). */
  bridgeNonceUsable(nonce: string): Promise<boolean> {
    return this.deps.nonces.usable(nonce, 'OA_BRIDGE');
  }

  /** The OAuth callback: binds the official-account OpenID to the identity that started the flow, then links. */
  async completeBridge(code: string, state: string, requestId?: string): Promise<BridgeOutcome> {
    const { platform, models } = this.deps;
    const nonce = await this.refusingAudited('OA_BRIDGE', { requestId }, () => this.deps.nonces.redeem(state, { kind: 'OA_BRIDGE' }));
    const oa = platform.app(platform.config.platform.officialAccountAppId!)!;
    const secret = oa.secretEnv ? this.deps.secretOf(oa.secretEnv) : undefined;
    if (!secret) throw new Error('the platform official account has no secret configured');
    let identity;
    try {
      identity = await this.deps.wechat.oauthAccessToken(oa.appId, secret, code);
    } catch (error) {
      rethrowWechatFailure(error, this.deps.logger, oa.appId);
    }
    if (identity.isSnapshotUser) {
      await this.deps.links.refused('OA_BRIDGE', 'snapshot user', { userId: nonce.userId, appId: nonce.appId, requestId });
      return 'REFUSED';
    }
    const bridgeKey = createHmac('sha256', this.deps.bridgeKeySecret).update(`oa\0${oa.appId}\0${identity.openId}`).digest('base64url');
    const started = await models.Identity.findOneAndUpdate({ userId: nonce.userId, appId: nonce.appId }, { $set: { bridgeKey } }, { returnDocument: 'after' })
      .lean<IdentityDoc>()
      .exec();
    if (!started) return 'REFUSED';
    return (await this.reconcile(started, requestId)) ? 'LINKED' : 'RECORDED';
  }

  /** Links the user's bridged identities to others seen with the same official-account OpenID (after consent). */
  async reconcileUser(userId: string, requestId?: string): Promise<void> {
    const bridged = await this.deps.models.Identity.find({ userId, bridgeKey: { $exists: true } })
      .lean<IdentityDoc[]>()
      .exec();
    for (const identity of bridged) await this.reconcile(identity, requestId);
  }

  private async reconcile(identity: IdentityDoc, requestId?: string): Promise<boolean> {
    const { models, consents, links } = this.deps;
    const others = await models.Identity.find({ bridgeKey: identity.bridgeKey, userId: { $ne: identity.userId } })
      .lean<IdentityDoc[]>()
      .exec();
    let linked = false;
    for (const other of others) {
      if (!this.bridgeAllowedFor(identity) || !this.bridgeAllowedFor(other)) continue;
      if (!(await consents.anyActive([identity.userId, other.userId], 'OFFICIAL_ACCOUNT_BRIDGE'))) {
        await links.refused('OA_BRIDGE', 'no consent', { userId: identity.userId, appId: other.appId, requestId });
        continue;
      }
      // The merchant-side identity is the one being linked; the platform-side user is where it goes.
      const [merchantSide, platformSide] = identity.merchantId ? [identity, other] : [other, identity];
      try {
        await links.link({ identity: merchantSide, userId: platformSide.userId, route: 'OA_BRIDGE', requestId });
        linked = true;
      } catch (error) {
        if (!(error instanceof PlatformError && error.code === 'IDENTITY_CONFLICT')) throw error;
      }
    }
    return linked;
  }

  private bridgeAllowedFor(identity: IdentityDoc): boolean {
    // The person unlinked it: only an explicit route (handoff, assertion) may link it again.
    if (identity.unlinkedAt) return false;
    if (!identity.merchantId) return true;
    return this.deps.platform.merchant(identity.merchantId)?.linking.officialAccountBridge === true;
  }

  private merchantWithRoute(merchantId: string, route: Route) {
    const merchant = this.deps.platform.merchant(merchantId);
    if (!merchant) throw new PlatformError('BAD_USER_INPUT', 'Unknown merchant.');
    if (!merchant.linking[route]) throw new PlatformError('LINK_ROUTE_DISABLED', `This linking route is switched off for ${merchant.id}.`);
    return merchant;
  }

  private requirePlatformSession(viewer: IdentityViewer): void {
    if (viewer.appId !== this.deps.platform.config.platform.miniProgramAppId) {
      throw new PlatformError('FORBIDDEN', 'Link nonces are issued to the platform mini-program only.');
    }
  }

  /** Runs `step`; a PlatformError it throws is audited as a refused link before it propagates. */
  private async refusingAudited<T>(
    route: LinkRoute,
    details: { userId?: string; merchantId?: string; appId?: string; requestId?: string },
    step: () => Promise<T>,
  ): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof PlatformError) await this.deps.links.refused(route, error.code, details);
      throw error;
    }
  }
}

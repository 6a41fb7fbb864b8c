/**
 * Unified login for every registered mini-program, the platform's and merchants': code2Session, then
 * find the user by (app, OpenID), else by UnionID within the app's Open Platform account, else create
 * one; record the identity; start a session. Racing first logins of one person end with one user.
 */
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../platform/config/platform-config.js';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import { PlatformError } from '../../platform/errors.js';
import type { LinkRoute } from '../../platform/identity-store/models.js';
import type { Logger } from '../../platform/logger.js';
import type { WechatClient, WechatSession } from '../../platform/wechat/wechat-client.js';
import type { IdentityDoc } from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';
import { outcomeOf, type IdentityMetrics } from './identity-metrics.js';
import type { IdentityStore } from './identity-store.js';
import type { LinkingFlows } from './linking-flows.js';
import type { ThirdPartyPlatform } from './third-party-platform.js';
import type { SessionKeyVault } from './session-key-vault.js';
import type { SessionService, SessionTokens } from './sessions.js';
import { rethrowWechatFailure } from './wechat-failures.js';

export interface LoginDeps {
  platform: PlatformIndex;
  wechat: WechatClient;
  /** Reads a secret by the env variable name the platform config gives. */
  secretOf(envName: string): string | undefined;
  store: IdentityStore;
  vault: SessionKeyVault;
  sessions: SessionService;
  linking: LinkingFlows;
  /** Records each identity login creates (route LOGIN, UNIONID or THIRD_PARTY_PLATFORM) and each UnionID not linked. */
  audit: AuditLog;
  /** Present when the platform is a WeChat third-party platform. */
  thirdParty?: ThirdPartyPlatform;
  logger: Logger;
  metrics?: IdentityMetrics;
  now?: () => Date;
}

const APP_ID_PATTERN = /^wx[0-9a-f]{16}$/;
const CODE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export class LoginService {
  constructor(private readonly deps: LoginDeps) {}

  /**
   * Logs in; with `linkNonce` (the handoff from the platform app) the merchant identity this code proves
   * is then linked to the platform user that nonce was issued to.
   */
  async login(appId: string, code: string, linkNonce?: string, requestId?: string): Promise<SessionTokens> {
    try {
      const tokens = await this.loginOnce(appId, code, linkNonce, requestId);
      this.deps.metrics?.login(appId, 'ok');
      return tokens;
    } catch (error) {
      this.deps.metrics?.login(appId, outcomeOf(error));
      throw error;
    }
  }

  private async loginOnce(appId: string, code: string, linkNonce: string | undefined, requestId: string | undefined): Promise<SessionTokens> {
    const app = this.miniProgram(appId);
    if (!CODE_PATTERN.test(code)) throw new PlatformError('WECHAT_CODE_INVALID', 'The WeChat code is malformed.');
    // Every line this login logs carries the request's id (login is not a hot path: a child per login is fine).
    const logger = requestId ? this.deps.logger.child({ requestId }) : this.deps.logger;
    const session = await this.exchange(app, code, logger);
    const identity = await this.resolveIdentity(app, session, logger, requestId);
    const userId = linkNonce === undefined ? identity.userId : await this.deps.linking.redeemHandoff(linkNonce, identity, requestId);
    return this.deps.sessions.start(userId, app.appId);
  }

  private miniProgram(appId: string): AppConfig {
    const app = APP_ID_PATTERN.test(appId) ? this.deps.platform.app(appId) : undefined;
    if (!app || app.kind !== 'miniprogram') throw new PlatformError('APP_NOT_REGISTERED', 'This appId is not a mini-program registered with the platform.');
    return app;
  }

  /** Whether logins to `app` go through the third-party platform (the merchant authorised it and the route is on). */
  private viaThirdParty(app: AppConfig): boolean {
    return !!this.deps.thirdParty && app.authorizesThirdPartyPlatform && this.deps.platform.merchantByApp(app.appId)?.linking.thirdPartyPlatform === true;
  }

  private async exchange(app: AppConfig, code: string, logger: Logger): Promise<WechatSession> {
    if (this.viaThirdParty(app)) {
      try {
        return await this.deps.thirdParty!.code2Session(app.appId, code);
      } catch (error) {
        rethrowWechatFailure(error, logger, app.appId);
      }
    }
    const secret = app.secretEnv ? this.deps.secretOf(app.secretEnv) : undefined;
    if (!secret) {
      logger.error({ appId: app.appId, secretEnv: app.secretEnv }, 'no app secret configured');
      throw new Error(`no secret for ${app.appId}`);
    }
    try {
      return await this.deps.wechat.code2Session(app.appId, secret, code);
    } catch (error) {
      rethrowWechatFailure(error, logger, app.appId);
    }
  }

  /** The identity (and so the user) this WeChat login proves, creating both on first login. */
  private async resolveIdentity(app: AppConfig, session: WechatSession, logger: Logger, requestId?: string): Promise<IdentityDoc> {
    const { store, vault, platform } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const sessionKey = vault.seal(session.sessionKey);
    const merchant = platform.merchantByApp(app.appId);
    const unionId = app.openPlatform ? session.unionId : undefined;
    const unionLinkingAllowed = !merchant || merchant.linking.unionId;

    const existing = await store.findIdentity(app.appId, session.openId);
    if (existing) {
      // A UnionID seen before was claimed (or deliberately not) when first seen; claim only a new one, as when
      // the app was bound to an Open Platform account after this identity's first login.
      const newUnionId = unionId && unionId !== existing.unionId ? unionId : undefined;
      // Claim (and merge) before recording the UnionID: after a crash in between, the next login claims again.
      const userId =
        newUnionId && app.openPlatform && unionLinkingAllowed ? await this.claimUnionFor(existing, app.openPlatform, newUnionId, requestId) : existing.userId;
      await store.recordLogin(existing._id, { sessionKey, ...(newUnionId ? { unionId: newUnionId, openPlatform: app.openPlatform } : {}) }, now);
      return { ...existing, userId };
    }

    let userId: string = randomUUID();
    let via: LinkRoute = this.viaThirdParty(app) ? 'THIRD_PARTY_PLATFORM' : 'LOGIN';
    if (unionId && app.openPlatform && unionLinkingAllowed) {
      const claim = await store.claimUnionId(app.openPlatform, unionId, userId);
      userId = claim.userId;
      if (!claim.claimed) via = 'UNIONID';
    }
    const { identity, inserted } = await store.insertIdentity(
      { appId: app.appId, openId: session.openId, unionId, openPlatform: app.openPlatform, merchantId: merchant?.id ?? null, userId, via, sessionKey },
      now,
    );
    // Identity first, user document second: a crash in between leaves an identity whose user is created on the next login.
    await store.ensureUser(identity.userId);
    if (inserted) {
      // A new identity is a link of its route: to a new user (LOGIN, THIRD_PARTY_PLATFORM) or an existing one (UNIONID).
      await this.deps.audit.record({ action: 'LINK', route: identity.via, userId: identity.userId, merchantId: merchant?.id, appId: app.appId, requestId });
    }
    logger.info({ userId: identity.userId, appId: app.appId, via: identity.via }, 'identity recorded');
    return identity;
  }

  /**
   * Claims a UnionID newly sent for a known identity. When another user holds it, WeChat has just proven the
   * two users one person: they are merged as every linking route merges. Returns the identity's user after.
   */
  private async claimUnionFor(identity: IdentityDoc, openPlatform: string, unionId: string, requestId?: string): Promise<string> {
    const claim = await this.deps.store.claimUnionId(openPlatform, unionId, identity.userId);
    return claim.userId === identity.userId ? identity.userId : this.deps.linking.linkByUnionId(identity, claim.userId, requestId);
  }
}

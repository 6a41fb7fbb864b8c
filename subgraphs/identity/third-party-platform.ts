/**
 * The platform as a WeChat third-party platform: receives the component_verify_ticket WeChat pushes
 * (encrypted) every 10 minutes, and keeps the component access token central and fresh, so merchant
 * apps that authorised the platform log in without their secret (/sns/component/jscode2session).
 */
import type { IncomingMessage } from 'node:http';
import type { PlatformConfig } from '../../platform/config/platform-config.js';
import type { RawRoute } from '@identity-federation-gateway/subgraph-kit';
import type { IdentityModels } from '../../platform/identity-store/models.js';
import type { Logger } from '../../platform/logger.js';
import { AccessTokenCache } from '../../platform/wechat/access-token-cache.js';
import { decryptMessage, xmlField, type MessageCryptoKeys } from '../../platform/wechat/message-crypto.js';
import type { WechatClient, WechatSession } from '../../platform/wechat/wechat-client.js';
import { WechatApiError } from '../../platform/wechat/wechat-error.js';

export const COMPONENT_EVENTS_PATH = '/wechat/component/events';
const MAX_EVENT_BYTES = 64 * 1024;

export interface ThirdPartyPlatformDeps {
  config: NonNullable<PlatformConfig['thirdPartyPlatform']>;
  models: Pick<IdentityModels, 'ComponentTicket'>;
  wechat: WechatClient;
  secretOf(envName: string): string | undefined;
  logger: Logger;
}

export class ThirdPartyPlatform {
  private readonly tokens: AccessTokenCache;

  constructor(private readonly deps: ThirdPartyPlatformDeps) {
    this.tokens = new AccessTokenCache(async (componentAppId) => {
      const ticket = await deps.models.ComponentTicket.findById(componentAppId).lean().exec();
      // Without a ticket WeChat issues no component token; it pushes one every 10 minutes.
      if (!ticket) throw new WechatApiError('/cgi-bin/component/api_component_token', undefined, 'no component_verify_ticket received yet', 'busy');
      return deps.wechat.componentToken(componentAppId, this.secret(deps.config.secretEnv), ticket.ticket);
    });
  }

  /** code2Session for a merchant app, through the component token. */
  code2Session(appId: string, code: string): Promise<WechatSession> {
    const { componentAppId } = this.deps.config;
    return this.tokens.withToken(componentAppId, (token) => this.deps.wechat.componentCode2Session(appId, code, componentAppId, token));
  }

  /** The endpoint WeChat pushes authorisation events to (configured as the platform's event URL). */
  eventsRoute(): RawRoute {
    return {
      method: 'POST',
      path: COMPONENT_EVENTS_PATH,
      handle: async (req, res, url) => {
        const status = await this.receive(req, url).catch((error: unknown) => {
          this.deps.logger.warn({ reason: (error as Error).message }, 'refused a third-party platform push');
          return 400;
        });
        // WeChat expects the literal "success" and retries anything else.
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'success' : 'invalid');
      },
    };
  }

  private async receive(req: IncomingMessage, url: URL): Promise<number> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_EVENT_BYTES) return 413;
      chunks.push(chunk as Buffer);
    }
    const encrypt = xmlField(Buffer.concat(chunks).toString('utf8'), 'Encrypt');
    const [msgSignature, timestamp, nonce] = ['msg_signature', 'timestamp', 'nonce'].map((p) => url.searchParams.get(p));
    if (!encrypt || !msgSignature || !timestamp || !nonce) return 400;
    const xml = decryptMessage(this.keys(), { msgSignature, timestamp, nonce, encrypt });
    if (xmlField(xml, 'AppId') !== this.deps.config.componentAppId) return 400;
    if (xmlField(xml, 'InfoType') === 'component_verify_ticket') {
      const ticket = xmlField(xml, 'ComponentVerifyTicket');
      if (!ticket) return 400;
      await this.deps.models.ComponentTicket.updateOne(
        { _id: this.deps.config.componentAppId },
        { $set: { ticket, receivedAt: new Date() } },
        { upsert: true },
      ).exec();
    }
    return 200;
  }

  private keys(): MessageCryptoKeys {
    const { config } = this.deps;
    return { token: this.secret(config.tokenEnv), encodingAesKey: this.secret(config.encodingAesKeyEnv), appId: config.componentAppId };
  }

  private secret(name: string): string {
    const value = this.deps.secretOf(name);
    if (!value) throw new Error(`${name} is not set`);
    return value;
  }
}

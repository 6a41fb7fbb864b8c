/**
 * What WeChat does every 10 minutes for a third-party platform: POST an encrypted
 * component_verify_ticket event to the platform's event URL.
 */
import { randomBytes } from 'node:crypto';
import type { PlatformConfig } from '../../platform/config/platform-config.js';
import { encryptMessage } from '../../platform/wechat/message-crypto.js';

export async function pushVerifyTicket(
  config: PlatformConfig,
  secretOf: (name: string) => string | undefined,
  ticket: string,
  eventUrl: string,
): Promise<number> {
  const tpp = config.thirdPartyPlatform;
  if (!tpp) throw new Error('the platform config has no thirdPartyPlatform');
  const token = secretOf(tpp.tokenEnv);
  const encodingAesKey = secretOf(tpp.encodingAesKeyEnv);
  if (!token || !encodingAesKey) throw new Error(`${tpp.tokenEnv} and ${tpp.encodingAesKeyEnv} must be set`);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const xml = `<xml><AppId><![CDATA[${tpp.componentAppId}]]></AppId><CreateTime>${timestamp}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[${ticket}]]></ComponentVerifyTicket></xml>`;
  const message = encryptMessage({ token, encodingAesKey, appId: tpp.componentAppId }, xml, timestamp, randomBytes(5).readUInt32BE(0).toString());
  const url = new URL(eventUrl);
  url.search = new URLSearchParams({ timestamp, nonce: message.nonce, encrypt_type: 'aes', msg_signature: message.msgSignature }).toString();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: `<xml><AppId><![CDATA[${tpp.componentAppId}]]></AppId><Encrypt><![CDATA[${message.encrypt}]]></Encrypt></xml>`,
  });
  return response.status;
}

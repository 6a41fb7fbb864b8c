/** WeChat's push-message crypto: a published sample message, round trips, and every refusal. */
import { describe, expect, it } from 'vitest';
import { WechatMessageError, decryptMessage, encryptMessage, xmlField } from '../../platform/wechat/message-crypto.js';

describe('WeChat message crypto', () => {
  it('decrypts the sample ticket push from WeChat\u2019s own crypto library documentation', () => {
    // Token, key, receiver and message as published with the WXBizMsgCrypt sample (education edition).
    const keys = { token: 'SdBcJhEt1X0izTA25VuGZFtAw7', encodingAesKey: 'HE2TfUnOpq8jWN5ZbFwMcvcmkcbXjPIn8afCSk4GT6q', appId: '801159' };
    const encrypt =
      'ZI0Yy1szqujD5QZDIipGQErFlcI9xgE6bQqPw2iBajlYhnSdeOgOfqoniicEqtfucLFDkLPc6D9pG6QvuPZejVa0xq9H9kvMm9DdqrFPvb35EguA1Xljj4psixoJcAMAUCWodD4R74OpCdoXjwRdZzJOKVORbhtj+pNGY0tj3rbXa3obtGkebuJWBn+g2rBpgX0OvN6RhVSOkVbFl472f7sVFSxUd6Gg2OUi6no7xLMmrOup4VPdOq7FEmWsaJ7xC04aZWu2Od3/OjOfavTvwgwMmYkdhrwG+TqhW3venmZYZqPNO42dlYHXrVSB3M1IADthWyDReKvDdPZ5LjAspA==';
    const xml = decryptMessage(keys, { msgSignature: '83c29839d75980d98018c96094ef202ec129241a', timestamp: '1701932041667', nonce: '6284853754', encrypt });
    expect(xml.startsWith('<xml>')).toBe(true);
    expect(xmlField(xml, 'InfoType')).toBeDefined();
  });

  const keys = { token: 'platform-token', encodingAesKey: Buffer.alloc(32, 7).toString('base64').slice(0, 43), appId: 'wx5000000000000001' };

  it('round-trips any message and reads its fields', () => {
    const xml =
      '<xml><AppId><![CDATA[wx5000000000000001]]></AppId><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>';
    for (const text of [xml, '', 'x'.repeat(31), 'x'.repeat(32), '中文消息']) {
      expect(decryptMessage(keys, encryptMessage(keys, text, '1700000000', 'n1'))).toBe(text);
    }
    expect(xmlField(xml, 'ComponentVerifyTicket')).toBe('ticket@@@abc');
    expect(xmlField('<xml><CreateTime>1413192605</CreateTime></xml>', 'CreateTime')).toBe('1413192605');
  });

  it('refuses a wrong signature, a wrong token, a tampered body and another receiver', () => {
    const message = encryptMessage(keys, '<xml/>', '1700000000', 'n1');
    expect(() => decryptMessage(keys, { ...message, msgSignature: '0'.repeat(40) })).toThrow(WechatMessageError);
    expect(() => decryptMessage({ ...keys, token: 'other' }, message)).toThrow(WechatMessageError);
    const flipped = Buffer.from(message.encrypt, 'base64');
    flipped[20] = flipped[20]! ^ 1;
    const tampered = flipped.toString('base64');
    expect(() => decryptMessage(keys, { ...message, encrypt: tampered })).toThrow(WechatMessageError);
    expect(() => decryptMessage({ ...keys, appId: 'wx9999999999999999' }, encryptMessage(keys, '<xml/>', '1', '2'))).toThrow('another appId');
  });
});

/**
 * WeChat's encrypted push messages (the "safe mode" of official accounts and third-party platforms):
 * msg_signature = SHA-1 of the sorted [token, timestamp, nonce, Encrypt]; Encrypt = base64 of
 * AES-256-CBC(key = base64(EncodingAESKey + "="), iv = key[0..16], PKCS#7 to 32-byte blocks) over
 * 16 random bytes + 4-byte big-endian length + message + receiver appId.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface MessageCryptoKeys {
  token: string;
  /** 43 characters (base64 of the 32-byte key, without the trailing "="). */
  encodingAesKey: string;
  /** The appId the messages are addressed to (the component appId for a third-party platform). */
  appId: string;
}

export interface EncryptedMessage {
  msgSignature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}

/** Thrown for a message that fails the signature, the decryption or the receiver check. */
export class WechatMessageError extends Error {}

const BLOCK = 32;

export function messageSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (encodingAesKey.length !== 43 || key.length !== 32) throw new WechatMessageError('EncodingAESKey must be 43 characters (a 32-byte key)');
  return key;
}

export function decryptMessage(keys: MessageCryptoKeys, message: EncryptedMessage): string {
  const expected = Buffer.from(messageSignature(keys.token, message.timestamp, message.nonce, message.encrypt));
  const given = Buffer.from(message.msgSignature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new WechatMessageError('msg_signature does not match');
  const key = aesKey(keys.encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(Buffer.from(message.encrypt, 'base64')), decipher.final()]);
  } catch {
    throw new WechatMessageError('ciphertext is not a whole number of blocks');
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK) throw new WechatMessageError('bad padding');
  const body = plain.subarray(16, plain.length - pad);
  const length = body.readUInt32BE(0);
  if (length > body.length - 4) throw new WechatMessageError('bad message length');
  const receiver = body.subarray(4 + length).toString('utf8');
  if (receiver !== keys.appId) throw new WechatMessageError('message is addressed to another appId');
  return body.subarray(4, 4 + length).toString('utf8');
}

export function encryptMessage(keys: MessageCryptoKeys, plaintext: string, timestamp: string, nonce: string): EncryptedMessage {
  const key = aesKey(keys.encodingAesKey);
  const message = Buffer.from(plaintext, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.length, 0);
  const body = Buffer.concat([randomBytes(16), length, message, Buffer.from(keys.appId, 'utf8')]);
  const pad = BLOCK - (body.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  const encrypt = Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  return { msgSignature: messageSignature(keys.token, timestamp, nonce, encrypt), timestamp, nonce, encrypt };
}

/** The text of a top-level `<Name>` element of a WeChat push (CDATA or plain). */
export function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return match ? (match[1] ?? match[2]) : undefined;
}

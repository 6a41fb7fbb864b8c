/**
 * Structured logs (pino). Redaction is configured here once so no module can log a session_key,
 * token, OpenID or UnionID by accident, whatever object it passes.
 */
import { pino, type Logger } from 'pino';
import { currentTraceId } from './telemetry.js';

const REDACTED_KEYS = [
  'sessionKey',
  'session_key',
  'secret',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'openId',
  'openid',
  'unionId',
  'unionid',
  'code',
  'js_code',
  'authorization',
  'password',
  'assertion',
  'nonce',
];

const redactPaths = [
  ...REDACTED_KEYS,
  ...REDACTED_KEYS.map((k) => `*.${k}`),
  ...REDACTED_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-identity"]',
];

export type { Logger };

export function createLogger(service: string, level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      name: service,
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service },
      // With tracing on, every line logged while a request's span is active carries its trace id.
      mixin: () => {
        const traceId = currentTraceId();
        return traceId ? { traceId } : {};
      },
    },
    destination ?? process.stdout,
  );
}

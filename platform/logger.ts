/**
 * Structured logs (pino). Redaction is configured here once so no module can log a session_key,
 * token, OpenID or UnionID by accident, whatever object it passes.
 */
import { pino, type Logger } from 'pino';
import { currentRequestId, currentTraceId } from './telemetry.js';

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
      // Every line logged while a request is handled carries its request id, and with tracing on its trace id.
      mixin: (_line, _level, instance) => {
        const requestId = currentRequestId();
        const traceId = currentTraceId();
        // A child logger may already be bound to the request id: a JSON line must not repeat a key.
        const addRequestId = requestId !== undefined && !('requestId' in instance.bindings());
        return { ...(addRequestId ? { requestId } : {}), ...(traceId ? { traceId } : {}) };
      },
    },
    destination ?? process.stdout,
  );
}

/**
 * The platform's erasure notices, as a merchant receives them: when a person erases their account, the
 * platform POSTs `person.erased` with the merchant's own OpenIDs of that person, signed with the same
 * secret as the identities it injects. `verifyErasureNotice` checks one (any stack); `erasureNoticeRoute`
 * serves one on a kit subgraph and calls your deletion. Answer 2xx only once the data is gone: anything
 * else is retried with backoff until accepted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RawRoute } from './raw-route.js';
import { readRequestBody } from './graphql-http-server.js';
import { CONTENT_TYPE_HEADER, ERASURE_EVENT_ID_HEADER, ERASURE_SIGNATURE_HEADER } from './headers.js';
import type { SubgraphLogger } from './logger.js';

/** What the platform sends. */
export interface ErasureNotice {
  /** The same for every delivery of one erasure: deduplicate on it. */
  eventId: string;
  type: 'person.erased';
  merchantId: string;
  appId: string;
  /** Your own OpenIDs of the person: delete what you hold under them. */
  openIds: string[];
  erasedAt: string;
}

export type ErasureNoticeVerification = { ok: true; notice: ErasureNotice } | { ok: false; reason: 'SIGNATURE_INVALID' | 'BODY_INVALID' | 'WRONG_MERCHANT' };

/** base64url HMAC-SHA256 of the exact body: what the platform sends in `x-platform-signature`. */
export function signErasureNotice(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export interface ErasureNoticeRequest {
  headers: IncomingHttpHeaders;
  /** The body exactly as received (the signature covers these bytes). */
  rawBody: string;
  /** Your subgraph secret; during a rotation `[current, previous]`. */
  secret: string | readonly string[];
  /** Your merchant id: a notice for another merchant is refused. */
  merchantId: string;
}

const isNotice = (value: unknown): value is ErasureNotice => {
  const v = value as Partial<ErasureNotice> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.type === 'person.erased' &&
    typeof v.eventId === 'string' &&
    typeof v.merchantId === 'string' &&
    typeof v.appId === 'string' &&
    typeof v.erasedAt === 'string' &&
    Array.isArray(v.openIds) &&
    v.openIds.every((id) => typeof id === 'string')
  );
};

/** Checks a notice's signature (against every accepted secret), shape, event id header and merchant. */
export function verifyErasureNotice(request: ErasureNoticeRequest): ErasureNoticeVerification {
  const sent = Buffer.from(String(request.headers[ERASURE_SIGNATURE_HEADER] ?? ''));
  const secrets = typeof request.secret === 'string' ? [request.secret] : request.secret;
  const signed = secrets.some((secret) => {
    const expected = Buffer.from(signErasureNotice(secret, request.rawBody));
    return expected.length === sent.length && timingSafeEqual(expected, sent);
  });
  if (!signed) return { ok: false, reason: 'SIGNATURE_INVALID' };
  let notice: unknown;
  try {
    notice = JSON.parse(request.rawBody);
  } catch {
    return { ok: false, reason: 'BODY_INVALID' };
  }
  if (!isNotice(notice) || notice.eventId !== request.headers[ERASURE_EVENT_ID_HEADER]) return { ok: false, reason: 'BODY_INVALID' };
  if (notice.merchantId !== request.merchantId) return { ok: false, reason: 'WRONG_MERCHANT' };
  return { ok: true, notice };
}

export interface ErasureNoticeRouteOptions {
  /** Where the platform's `merchants[].erasureWebhook` points. @default "/privacy/erasure" */
  path?: string;
  secret: string | readonly string[];
  merchantId: string;
  /** Deletes everything held under `notice.openIds`; must be safe to run twice for one event. */
  erase(notice: ErasureNotice): Promise<void>;
  logger: SubgraphLogger;
}

const STATUS: Record<Exclude<ErasureNoticeVerification, { ok: true }>['reason'], number> = { SIGNATURE_INVALID: 401, BODY_INVALID: 400, WRONG_MERCHANT: 403 };

/** A route for `startSubgraph`'s `routes` (or `startMerchantService`'s): verifies, erases, answers 204. */
export function erasureNoticeRoute(options: ErasureNoticeRouteOptions): RawRoute {
  return {
    method: 'POST',
    path: options.path ?? '/privacy/erasure',
    handle: async (req, res) => {
      const { text } = await readRequestBody(req, 256 * 1024);
      const verified = verifyErasureNotice({ headers: req.headers, rawBody: text ?? '', secret: options.secret, merchantId: options.merchantId });
      if (!verified.ok) {
        options.logger.warn({ reason: verified.reason }, 'refused an erasure notice');
        res
          .writeHead(STATUS[verified.reason], { [CONTENT_TYPE_HEADER]: 'application/json' })
          .end(JSON.stringify({ code: `ERASURE_NOTICE_${verified.reason}` }));
        return;
      }
      await options.erase(verified.notice);
      options.logger.info({ eventId: verified.notice.eventId, openIds: verified.notice.openIds.length }, "erased a person on the platform's notice");
      res.writeHead(204).end();
    },
  };
}

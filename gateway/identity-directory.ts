/**
 * The gateway's read-only view of the identity store: a viewer's merchant identities (which OpenID
 * goes to which merchant) and whether the person consented to each merchant receiving it. Two queries
 * per batch of users; the per-request loader and the cross-request cache make that rare.
 */
import { PlatformError } from '../platform/errors.js';
import type { IdentityModels } from '../platform/identity-store/models.js';
import { identityStoreUnavailable, throttledOutageLog } from '../platform/identity-store/unavailable.js';
import type { Logger } from '../platform/logger.js';

export interface MerchantIdentity {
  appId: string;
  openId: string;
  /** The person holds an active MERCHANT_DISCLOSURE consent for this merchant. */
  consented?: boolean;
}

/** merchantId → that merchant's identity of the user. */
export type MerchantIdentities = ReadonlyMap<string, MerchantIdentity>;

export interface IdentityDirectory {
  merchantIdentities(userIds: readonly string[]): Promise<Map<string, MerchantIdentities>>;
}

/** How long one identity lookup may wait (IDENTITY_LOOKUP_TIMEOUT_MS). */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 2000;

export interface IdentityDirectoryOptions {
  /**
   * How long one lookup may take, server selection included, before the request is told the store is
   * unavailable: far below the driver's own server-selection wait, so an outage fails fast. @default 2000
   */
  timeoutMs?: number;
  /** Where failing lookups are logged with the driver's reason (or the timeout), at most one line per 10 s. */
  logger?: Logger;
}

export function mongoIdentityDirectory(models: Pick<IdentityModels, 'Identity' | 'Consent'>, options: IdentityDirectoryOptions = {}): IdentityDirectory {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  const onOutage = options.logger && throttledOutageLog(options.logger, 'identity lookups failing: answering IDENTITY_STORE_UNAVAILABLE');
  const lookup = async (userIds: readonly string[]) => {
    const [docs, consents] = await Promise.all([
      models.Identity.find({ userId: { $in: userIds }, merchantId: { $ne: null } }, { userId: 1, merchantId: 1, appId: 1, openId: 1, _id: 0 })
        .maxTimeMS(timeoutMs)
        .lean<{ userId: string; merchantId: string; appId: string; openId: string }[]>()
        .exec(),
      models.Consent.find({ userId: { $in: userIds }, purpose: 'MERCHANT_DISCLOSURE', withdrawnAt: { $exists: false } }, { userId: 1, merchantId: 1, _id: 0 })
        .maxTimeMS(timeoutMs)
        .lean<{ userId: string; merchantId: string }[]>()
        .exec(),
    ]);
    const consented = new Set(consents.map((c) => `${c.userId}\0${c.merchantId}`));
    const result = new Map<string, Map<string, MerchantIdentity>>(userIds.map((id) => [id, new Map()]));
    for (const doc of docs) {
      const identity = { appId: doc.appId, openId: doc.openId, consented: consented.has(`${doc.userId}\0${doc.merchantId}`) };
      result.get(doc.userId)?.set(doc.merchantId, identity);
    }
    return result;
  };
  return {
    async merchantIdentities(userIds) {
      // maxTimeMS bounds the query on the server; the timer also bounds waiting for a server to exist.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(identityStoreUnavailable()), timeoutMs);
      });
      try {
        return await Promise.race([lookup(userIds), timedOut]);
      } catch (error) {
        // Whatever failed (no server, a timeout, a refused query), the store gave no answer for this viewer.
        const timedOut = error instanceof PlatformError;
        onOutage?.(timedOut ? new Error(`no answer within ${timeoutMs} ms`) : error);
        throw timedOut ? error : identityStoreUnavailable();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

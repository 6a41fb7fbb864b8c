/**
 * The person's rights over their data, in one place for both the mini-program (GraphQL) and the
 * operator console, so the rules are written once: unlink a merchant, export, erase, end sessions.
 */
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import type { IdentityModels } from '../../platform/identity-store/models.js';
import { AuditLog } from './audit-log.js';
import { Consents, type Actor } from './consents.js';
import { DataExporter, type DataExport } from './data-export.js';
import { AccountEraser, type ErasureResult } from './erasure.js';
import { ErasureOutbox, type ErasureOutboxOptions } from './erasure-outbox.js';
import { liveFamilies, revokeFamilies } from './identity-store.js';
import { UnlinkService } from './unlink.js';

export interface PrivacyRightsDeps {
  models: IdentityModels;
  audit: AuditLog;
  consents: Consents;
  platform: PlatformIndex;
  outbox: ErasureOutbox;
  now?: () => Date;
}

export class PrivacyRights {
  private readonly unlinks: UnlinkService;
  private readonly exporter: DataExporter;
  private readonly eraser: AccountEraser;

  constructor(private readonly deps: PrivacyRightsDeps) {
    this.unlinks = new UnlinkService(deps.models, deps.audit, deps.consents, deps.platform, deps.now);
    this.exporter = new DataExporter(deps.models, deps.audit, deps.platform, deps.now);
    this.eraser = new AccountEraser(deps.models, deps.audit, deps.platform, deps.outbox);
  }

  /** Moves the merchant's identity out of the user (audited). */
  async unlinkMerchant(userId: string, merchantId: string, actor: Actor = {}): Promise<void> {
    await this.unlinks.unlinkMerchant(userId, merchantId, actor);
  }

  /** Everything stored about the user (audited). */
  exportData(userId: string, actor: Actor = {}): Promise<DataExport> {
    return this.exporter.export(userId, actor);
  }

  /** What an export would hold, read without recording an export (the operator's user page). */
  view(userId: string): Promise<DataExport> {
    return this.exporter.collect(userId);
  }

  /** Deletes the account and queues the merchants' erasure notices (audited as a tombstone). */
  erase(userId: string, actor: Actor = {}): Promise<ErasureResult> {
    return this.eraser.erase(userId, actor);
  }

  /** Ends every session of the user: refresh tokens at once, access tokens at every gateway through the revocation feed. */
  async revokeSessions(userId: string, actor: Actor = {}): Promise<number> {
    const families = await liveFamilies(this.deps.models, { userId });
    await revokeFamilies(this.deps.models, families, (this.deps.now ?? (() => new Date()))());
    await this.deps.audit.record({ action: 'SESSIONS_REVOKED', userId, reason: `sessions revoked: ${families.length}`, ...actor });
    return families.length;
  }
}

/** What `privacyRightsFor` builds: the rights, and the audit trail, consents and erasure outbox they write to. */
export interface PrivacyRightsParts {
  audit: AuditLog;
  consents: Consents;
  outbox: ErasureOutbox;
  privacy: PrivacyRights;
}

/**
 * The privacy rights over an identity store, as the identity service and the operator console both build
 * them (one function, so both enforce the same rules and write the same audit trail).
 */
export function privacyRightsFor(models: IdentityModels, platform: PlatformIndex, outboxOptions: Omit<ErasureOutboxOptions, 'platform'>): PrivacyRightsParts {
  const audit = new AuditLog(models);
  const consents = new Consents(models, audit, platform);
  const outbox = new ErasureOutbox(models, { ...outboxOptions, platform });
  return { audit, consents, outbox, privacy: new PrivacyRights({ models, audit, consents, platform, outbox }) };
}

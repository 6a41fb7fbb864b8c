/**
 * A copy of everything the platform stores about a person (PIPL art. 45), as one JSON document with a
 * stable shape (`DataExport`, version 1, documented in the README). It is the only answer that carries
 * the person's own OpenIDs and UnionID, and it goes only to the person (or an operator acting on their
 * request); every export is audited.
 */
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import type { AuditEventDoc, ConsentDoc, DisclosureDoc, IdentityDoc, IdentityModels, RefreshTokenDoc, UserDoc } from '../../platform/identity-store/models.js';
import type { AuditLog } from './audit-log.js';
import type { Actor } from './consents.js';

/** Version 1 of the export. Fields are only ever added; a breaking change bumps `version`. */
export interface DataExport {
  version: 1;
  exportedAt: string;
  user: { id: string; createdAt: string | null; mergedUserIds: string[] };
  identities: {
    appId: string;
    appName: string;
    merchantId: string | null;
    openId: string;
    unionId: string | null;
    linkRoute: string;
    linkedAt: string;
    lastLoginAt: string;
    officialAccountBridgeSeen: boolean;
  }[];
  links: { merchantId: string; appId: string; route: string; linkedAt: string }[];
  consents: { purpose: string; merchantId: string | null; noticeVersion: string | null; grantedAt: string; withdrawnAt: string | null }[];
  disclosures: { merchantId: string; firstProvidedAt: string; lastProvidedAt: string }[];
  sessions: { sessionId: string; appId: string; startedAt: string; lastRefreshedAt: string; expiresAt: string; endedAt: string | null }[];
  auditEvents: {
    at: string;
    action: string;
    route: string | null;
    merchantId: string | null;
    appId: string | null;
    reason: string | null;
    byOperator: boolean;
  }[];
}

const iso = (date: Date | undefined | null) => (date ? new Date(date).toISOString() : null);

export class DataExporter {
  constructor(
    private readonly models: IdentityModels,
    private readonly audit: AuditLog,
    private readonly platform: PlatformIndex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Builds the export and records that it was made. */
  async export(userId: string, actor: Actor = {}): Promise<DataExport> {
    const document = await this.collect(userId);
    await this.audit.record({ action: 'EXPORT', userId, ...actor });
    return document;
  }

  /** The same document without recording an export (what an operator's user page shows). */
  async collect(userId: string): Promise<DataExport> {
    const { models } = this;
    const [user, merged, identities, consents, disclosures, tokens, events] = await Promise.all([
      models.User.findById(userId).lean<UserDoc>().exec(),
      models.User.find({ mergedInto: userId }, { _id: 1 }).lean<UserDoc[]>().exec(),
      models.Identity.find({ userId }).sort({ linkedAt: 1 }).lean<IdentityDoc[]>().exec(),
      models.Consent.find({ userId }).sort({ grantedAt: 1 }).lean<ConsentDoc[]>().exec(),
      models.Disclosure.find({ userId }).sort({ firstAt: 1 }).lean<DisclosureDoc[]>().exec(),
      models.RefreshToken.find({ userId }).sort({ createdAt: 1 }).lean<RefreshTokenDoc[]>().exec(),
      this.audit.forUser(userId),
    ]);
    return {
      version: 1,
      exportedAt: this.now().toISOString(),
      user: { id: userId, createdAt: iso(user?.createdAt), mergedUserIds: merged.map((u) => u._id) },
      identities: identities.map((i) => ({
        appId: i.appId,
        appName: this.platform.app(i.appId)?.name ?? i.appId,
        merchantId: i.merchantId,
        openId: i.openId,
        unionId: i.unionId ?? null,
        linkRoute: i.via,
        linkedAt: iso(i.linkedAt)!,
        lastLoginAt: iso(i.lastLoginAt)!,
        officialAccountBridgeSeen: i.bridgeKey !== undefined,
      })),
      links: identities.filter((i) => i.merchantId).map((i) => ({ merchantId: i.merchantId!, appId: i.appId, route: i.via, linkedAt: iso(i.linkedAt)! })),
      consents: consents.map((c) => ({
        purpose: c.purpose,
        merchantId: c.merchantId ?? null,
        noticeVersion: c.noticeVersion ?? null,
        grantedAt: iso(c.grantedAt)!,
        withdrawnAt: iso(c.withdrawnAt),
      })),
      disclosures: disclosures.map((d) => ({ merchantId: d.merchantId, firstProvidedAt: iso(d.firstAt)!, lastProvidedAt: iso(d.lastAt)! })),
      sessions: sessionsOf(tokens),
      auditEvents: events.map(exportedEvent),
    };
  }
}

/** One entry per session family (a login and its refreshes). */
export function sessionsOf(tokens: RefreshTokenDoc[]): DataExport['sessions'] {
  const families = new Map<string, DataExport['sessions'][number]>();
  for (const token of tokens) {
    const known = families.get(token.familyId);
    const ended = iso(token.revokedAt);
    if (!known) {
      families.set(token.familyId, {
        sessionId: token.familyId,
        appId: token.appId,
        startedAt: iso(token.createdAt)!,
        lastRefreshedAt: iso(token.createdAt)!,
        expiresAt: iso(token.expiresAt)!,
        endedAt: ended,
      });
      continue;
    }
    if (iso(token.createdAt)! > known.lastRefreshedAt) Object.assign(known, { lastRefreshedAt: iso(token.createdAt)!, expiresAt: iso(token.expiresAt)! });
    known.endedAt ??= ended;
  }
  return [...families.values()];
}

function exportedEvent(event: AuditEventDoc): DataExport['auditEvents'][number] {
  return {
    at: iso(event.at)!,
    action: event.action,
    route: event.route ?? null,
    merchantId: event.merchantId ?? null,
    appId: event.appId ?? null,
    reason: event.reason ?? null,
    byOperator: event.operatorId !== undefined,
  };
}

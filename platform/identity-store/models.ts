/**
 * The identity store's collections. The identity subgraph owns and writes them; the gateway only reads
 * the identities of a viewer. Models are bound to a given connection, never to mongoose's global one.
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** How an identity came to belong to its user. */
export const LINK_ROUTES = ['LOGIN', 'UNIONID', 'THIRD_PARTY_PLATFORM', 'OA_BRIDGE', 'HANDOFF', 'MERCHANT_ASSERTION', 'MERGE'] as const;
export type LinkRoute = (typeof LINK_ROUTES)[number];

/** AES-256-GCM ciphertext of a WeChat session_key. */
export interface EncryptedValue {
  iv: string;
  tag: string;
  data: string;
}

export interface UserDoc {
  _id: string;
  /** Set when this user was merged into another: its tokens resolve to that user. */
  mergedInto?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdentityDoc {
  _id: Types.ObjectId;
  appId: string;
  openId: string;
  unionId?: string;
  openPlatform?: string;
  /** The merchant owning the app; null for the platform's own apps. */
  merchantId: string | null;
  userId: string;
  via: LinkRoute;
  sessionKey?: EncryptedValue;
  /** HMAC of the platform official-account OpenID seen for this identity (the bridge); never the OpenID itself. */
  bridgeKey?: string;
  /** Users this identity was moved from by merges (their tokens find it through this). */
  mergedFrom?: string[];
  /** Set when the person unlinked it: no automatic route (UnionID, bridge) links it again, only an explicit one. */
  unlinkedAt?: Date;
  linkedAt: Date;
  lastLoginAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** Claims a UnionID for one user: its _id is `openPlatform:unionId`, so two users can never share one. */
export interface UnionLinkDoc {
  _id: string;
  userId: string;
  createdAt: Date;
}

export interface RefreshTokenDoc {
  /** SHA-256 of the token; the token itself is never stored. */
  _id: string;
  familyId: string;
  userId: string;
  appId: string;
  expiresAt: Date;
  usedAt?: Date;
  revokedAt?: Date;
  createdAt: Date;
}

/** What a one-time nonce proves. */
export type NonceKind = 'HANDOFF' | 'ASSERTION' | 'OA_BRIDGE';

export interface LinkNonceDoc {
  /** SHA-256 of the nonce. */
  _id: string;
  kind: NonceKind;
  userId: string;
  /** The session family that asked for it: revoking the session kills the nonce. */
  sessionId: string;
  /** HANDOFF / ASSERTION: the merchant it is for. OA_BRIDGE: the app whose identity started the bridge. */
  merchantId?: string;
  appId: string;
  expiresAt: Date;
  usedAt?: Date;
  /** The identity that redeemed it: only that identity may redeem it again, while its link has not completed. */
  usedBy?: string;
  /** When the link it was redeemed for completed: from then on it is spent for everyone. */
  completedAt?: Date;
  createdAt: Date;
}

export const CONSENT_PURPOSES = ['OFFICIAL_ACCOUNT_BRIDGE', 'MERCHANT_DISCLOSURE'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface ConsentDoc {
  _id: Types.ObjectId;
  userId: string;
  purpose: ConsentPurpose;
  /** MERCHANT_DISCLOSURE: the merchant the person agreed to have their OpenID provided to. */
  merchantId?: string;
  /** The version of the notice text the person was shown when granting. */
  noticeVersion?: string;
  grantedAt: Date;
  withdrawnAt?: Date;
}

/** When an OpenID of a person was first and last provided to a merchant (coarse: written at most hourly). */
export interface DisclosureDoc {
  /** `userId:merchantId`. */
  _id: string;
  userId: string;
  merchantId: string;
  firstAt: Date;
  lastAt: Date;
}

/** A signed erasure notice waiting to reach a merchant (a durable outbox: retried until it answers 2xx). */
export interface ErasureNoticeDoc {
  /** The event id the merchant deduplicates on. */
  _id: string;
  merchantId: string;
  url: string;
  /** The exact JSON body to POST; removed once delivered (it names the person's OpenIDs). */
  body?: string;
  attempts: number;
  nextAttemptAt: Date;
  /** A worker holds the notice until then (a crashed worker's lease simply runs out). */
  leaseUntil?: Date;
  deliveredAt?: Date;
  lastError?: string;
  createdAt: Date;
}

export const MERGE_STEPS = ['recorded', 'checked', 'user-marked', 'identities-moved', 'links-moved', 'consents-moved', 'tokens-revoked', 'done'] as const;
export type MergeStep = (typeof MERGE_STEPS)[number];

/** Drives a merge: every step is idempotent, so resuming from the record always reaches the same end state. */
export interface MergeDoc {
  /** `source` user id: a user is merged away at most once. */
  _id: string;
  target: string;
  route: LinkRoute;
  step: MergeStep;
  outcome?: 'MERGED' | 'REFUSED';
  reason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type AuditAction =
  | 'LINK'
  | 'LINK_REFUSED'
  | 'UNLINK'
  | 'MERGE'
  | 'MERGE_REFUSED'
  | 'CONSENT_GRANTED'
  | 'CONSENT_WITHDRAWN'
  | 'EXPORT'
  | 'ERASURE'
  | 'SESSIONS_REVOKED'
  | 'RECORD_VIEWED'
  | 'OPENID_REVEALED';

/** Append-only record of every link, unlink, merge, refusal, consent change, export and erasure. Holds no OpenID. */
export interface AuditEventDoc {
  _id: Types.ObjectId;
  at: Date;
  action: AuditAction;
  route?: LinkRoute;
  userId?: string;
  otherUserId?: string;
  merchantId?: string;
  appId?: string;
  reason?: string;
  requestId?: string;
  /** Idempotency key for events a resumed process may record again (merges): one event per key. */
  key?: string;
  /** The console operator who acted; absent when the person acted themselves. */
  operatorId?: string;
  /** Set on the events of an erased person: every identifier is gone, the fact remains. */
  tombstone?: boolean;
}

/** A user whose identities changed (insert, link, merge): gateways drop what they cached for them. */
export interface IdentityChangeDoc {
  _id: Types.ObjectId;
  userIds: string[];
  at: Date;
}

/**
 * A session family ended (logout, or refresh-token reuse): gateways refuse its access tokens from now on.
 * Kept until every access token of the family has expired, then removed by the TTL index.
 */
export interface RevokedSessionDoc {
  _id: Types.ObjectId;
  /** The session family (the access token's `sid`). */
  sessionId: string;
  at: Date;
  /** When the family's last access token has expired: the record is useless after that. */
  expiresAt: Date;
}

/** The latest component_verify_ticket WeChat pushed for a third-party platform. */
export interface ComponentTicketDoc {
  /** The component appId. */
  _id: string;
  ticket: string;
  receivedAt: Date;
}

const EncryptedValueSchema = new Schema<EncryptedValue>({ iv: String, tag: String, data: String }, { _id: false });

const UserSchema = new Schema<UserDoc>(
  { _id: { type: String, required: true }, mergedInto: String },
  { collection: 'users', timestamps: true, versionKey: false },
);

const IdentitySchema = new Schema<IdentityDoc>(
  {
    appId: { type: String, required: true },
    openId: { type: String, required: true },
    unionId: String,
    openPlatform: String,
    merchantId: { type: String, default: null },
    userId: { type: String, required: true },
    via: { type: String, enum: LINK_ROUTES, required: true },
    sessionKey: { type: EncryptedValueSchema, select: false },
    bridgeKey: String,
    mergedFrom: { type: [String], default: undefined },
    unlinkedAt: Date,
    linkedAt: { type: Date, required: true },
    lastLoginAt: { type: Date, required: true },
  },
  { collection: 'identities', timestamps: true, versionKey: false },
);
IdentitySchema.index({ appId: 1, openId: 1 }, { unique: true });
IdentitySchema.index({ userId: 1 });
IdentitySchema.index({ openPlatform: 1, unionId: 1 }, { sparse: true });
IdentitySchema.index({ bridgeKey: 1 }, { sparse: true });
IdentitySchema.index({ mergedFrom: 1 }, { sparse: true });

const LinkNonceSchema = new Schema<LinkNonceDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    userId: { type: String, required: true },
    sessionId: { type: String, required: true },
    merchantId: String,
    appId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: Date,
    usedBy: String,
    completedAt: Date,
  },
  { collection: 'link_nonces', timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
// Kept a day past expiry so a late replay is still recognised as "used" or "expired", then removed.
LinkNonceSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 24 * 3600 });

const ConsentSchema = new Schema<ConsentDoc>(
  {
    userId: { type: String, required: true },
    purpose: { type: String, enum: CONSENT_PURPOSES, required: true },
    merchantId: String,
    noticeVersion: String,
    grantedAt: { type: Date, required: true },
    withdrawnAt: Date,
  },
  { collection: 'consents', versionKey: false },
);
ConsentSchema.index({ userId: 1, purpose: 1, withdrawnAt: 1 });

const DisclosureSchema = new Schema<DisclosureDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    merchantId: { type: String, required: true },
    firstAt: { type: Date, required: true },
    lastAt: { type: Date, required: true },
  },
  { collection: 'disclosures', versionKey: false },
);
DisclosureSchema.index({ userId: 1 });

const ErasureNoticeSchema = new Schema<ErasureNoticeDoc>(
  {
    _id: { type: String, required: true },
    merchantId: { type: String, required: true },
    url: { type: String, required: true },
    body: String,
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    leaseUntil: Date,
    deliveredAt: Date,
    lastError: String,
    createdAt: { type: Date, required: true },
  },
  { collection: 'erasure_outbox', versionKey: false },
);
ErasureNoticeSchema.index({ deliveredAt: 1, nextAttemptAt: 1 });

const MergeSchema = new Schema<MergeDoc>(
  {
    _id: { type: String, required: true },
    target: { type: String, required: true },
    route: { type: String, enum: LINK_ROUTES, required: true },
    step: { type: String, enum: MERGE_STEPS, required: true },
    outcome: String,
    reason: String,
  },
  { collection: 'merges', timestamps: true, versionKey: false },
);
MergeSchema.index({ step: 1 });

const IdentityChangeSchema = new Schema<IdentityChangeDoc>(
  { userIds: { type: [String], required: true }, at: { type: Date, required: true } },
  { collection: 'identity_changes', versionKey: false },
);
// Gateways poll every few hundred milliseconds; a day of history is plenty.
IdentityChangeSchema.index({ at: 1 }, { expireAfterSeconds: 24 * 3600 });

const RevokedSessionSchema = new Schema<RevokedSessionDoc>(
  { sessionId: { type: String, required: true }, at: { type: Date, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'revoked_sessions', versionKey: false },
);
RevokedSessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

const ComponentTicketSchema = new Schema<ComponentTicketDoc>(
  { _id: { type: String, required: true }, ticket: { type: String, required: true }, receivedAt: { type: Date, required: true } },
  { collection: 'component_tickets', versionKey: false },
);

const AuditEventSchema = new Schema<AuditEventDoc>(
  {
    at: { type: Date, required: true },
    action: { type: String, required: true },
    route: String,
    userId: String,
    otherUserId: String,
    merchantId: String,
    appId: String,
    reason: String,
    requestId: String,
    key: String,
    operatorId: String,
    tombstone: Boolean,
  },
  { collection: 'audit_events', versionKey: false },
);
AuditEventSchema.index({ key: 1 }, { unique: true, sparse: true });
AuditEventSchema.index({ userId: 1, at: 1 });
AuditEventSchema.index({ otherUserId: 1, at: 1 }, { sparse: true });

const UnionLinkSchema = new Schema<UnionLinkDoc>(
  { _id: { type: String, required: true }, userId: { type: String, required: true } },
  { collection: 'union_links', timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

const RefreshTokenSchema = new Schema<RefreshTokenDoc>(
  {
    _id: { type: String, required: true },
    familyId: { type: String, required: true },
    userId: { type: String, required: true },
    appId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: Date,
    revokedAt: Date,
  },
  { collection: 'refresh_tokens', timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
RefreshTokenSchema.index({ familyId: 1 });
RefreshTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface IdentityModels {
  User: Model<UserDoc>;
  Identity: Model<IdentityDoc>;
  UnionLink: Model<UnionLinkDoc>;
  RefreshToken: Model<RefreshTokenDoc>;
  LinkNonce: Model<LinkNonceDoc>;
  Consent: Model<ConsentDoc>;
  Merge: Model<MergeDoc>;
  AuditEvent: Model<AuditEventDoc>;
  ComponentTicket: Model<ComponentTicketDoc>;
  IdentityChange: Model<IdentityChangeDoc>;
  RevokedSession: Model<RevokedSessionDoc>;
  Disclosure: Model<DisclosureDoc>;
  ErasureNotice: Model<ErasureNoticeDoc>;
}

export function identityModels(connection: Connection): IdentityModels {
  return {
    User: connection.model<UserDoc>('User', UserSchema),
    Identity: connection.model<IdentityDoc>('Identity', IdentitySchema),
    UnionLink: connection.model<UnionLinkDoc>('UnionLink', UnionLinkSchema),
    RefreshToken: connection.model<RefreshTokenDoc>('RefreshToken', RefreshTokenSchema),
    LinkNonce: connection.model<LinkNonceDoc>('LinkNonce', LinkNonceSchema),
    Consent: connection.model<ConsentDoc>('Consent', ConsentSchema),
    Merge: connection.model<MergeDoc>('Merge', MergeSchema),
    AuditEvent: connection.model<AuditEventDoc>('AuditEvent', AuditEventSchema),
    ComponentTicket: connection.model<ComponentTicketDoc>('ComponentTicket', ComponentTicketSchema),
    IdentityChange: connection.model<IdentityChangeDoc>('IdentityChange', IdentityChangeSchema),
    RevokedSession: connection.model<RevokedSessionDoc>('RevokedSession', RevokedSessionSchema),
    Disclosure: connection.model<DisclosureDoc>('Disclosure', DisclosureSchema),
    ErasureNotice: connection.model<ErasureNoticeDoc>('ErasureNotice', ErasureNoticeSchema),
  };
}

/** MongoDB's duplicate-key error, as the driver raises it. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** Tells every gateway that these users' identities changed. */
export async function recordIdentityChange(models: Pick<IdentityModels, 'IdentityChange'>, userIds: string[]): Promise<void> {
  await models.IdentityChange.create({ userIds: [...new Set(userIds)], at: new Date() });
}

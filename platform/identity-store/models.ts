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

const EncryptedValueSchema = new Schema<EncryptedValue>({ iv: String, tag: String, data: String }, { _id: false });

const UserSchema = new Schema<UserDoc>({ _id: { type: String, required: true } }, { collection: 'users', timestamps: true, versionKey: false });

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
    linkedAt: { type: Date, required: true },
    lastLoginAt: { type: Date, required: true },
  },
  { collection: 'identities', timestamps: true, versionKey: false },
);
IdentitySchema.index({ appId: 1, openId: 1 }, { unique: true });
IdentitySchema.index({ userId: 1 });
IdentitySchema.index({ openPlatform: 1, unionId: 1 }, { sparse: true });

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
}

export function identityModels(connection: Connection): IdentityModels {
  return {
    User: connection.model<UserDoc>('User', UserSchema),
    Identity: connection.model<IdentityDoc>('Identity', IdentitySchema),
    UnionLink: connection.model<UnionLinkDoc>('UnionLink', UnionLinkSchema),
    RefreshToken: connection.model<RefreshTokenDoc>('RefreshToken', RefreshTokenSchema),
  };
}

/** MongoDB's duplicate-key error, as the driver raises it. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

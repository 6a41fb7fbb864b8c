/** Thin resolvers: validate, delegate to the services, shape the answer. */
import { GraphQLScalarType } from 'graphql';
import type { MerchantConfig } from '../../platform/config/platform-config.js';
import { PlatformError } from '../../platform/errors.js';
import type { ConsentDoc, ConsentPurpose, IdentityDoc } from '../../platform/identity-store/models.js';
import { DateTime, type ResolverMap } from '@identity-federation-gateway/subgraph-kit';
import type { IdentityContext } from './context.js';
import { sessionResult, viewerFor, type UserRef } from './new-sessions.js';

interface MerchantLinkRef {
  userId: string;
  merchantId: string;
  linkedAt: Date;
  via: string;
}
const merchantLink = (identity: IdentityDoc): MerchantLinkRef => ({
  userId: identity.userId,
  merchantId: identity.merchantId!,
  linkedAt: identity.linkedAt,
  via: identity.via,
});
const consent = (doc: ConsentDoc) => ({
  purpose: doc.purpose,
  merchantId: doc.merchantId ?? null,
  noticeVersion: doc.noticeVersion ?? null,
  grantedAt: doc.grantedAt,
  withdrawnAt: doc.withdrawnAt ?? null,
});
const merchant = (config: MerchantConfig) => ({ id: config.id, name: config.name, disclosureConsent: config.disclosureConsent ?? null });
type ConsentArgs = { purpose: ConsentPurpose; merchantId?: string | null };

/** The data export is a JSON document whose shape is documented (DataExport), not a GraphQL type. */
const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: () => {
    throw new PlatformError('BAD_USER_INPUT', 'JSON is an output type only.');
  },
});

/** Fields of a User only that user may read (the user of a session just started is its own viewer). */
async function requireSelf(user: UserRef, ctx: IdentityContext): Promise<void> {
  if ((await viewerFor(user, ctx)).userId !== user.id) throw new PlatformError('FORBIDDEN', 'Only the user themselves can see this.');
}

export const resolvers: ResolverMap<IdentityContext> = {
  DateTime,
  JSON: JSONScalar,
  Query: {
    me: async (_root, _args, ctx): Promise<UserRef> => ({ id: (await ctx.requireViewer()).userId }),
    merchants: (_root, _args, ctx) => ctx.platform.config.merchants.map(merchant),
  },
  Mutation: {
    login: async (_root, args: { appId: string; code: string; linkNonce?: string | null }, ctx, info) =>
      sessionResult(await ctx.login.login(args.appId, args.code, args.linkNonce ?? undefined, ctx.requestId), ctx, info),
    refreshSession: async (_root, args: { refreshToken: string }, ctx, info) => sessionResult(await ctx.sessions.refresh(args.refreshToken), ctx, info),
    logout: (_root, args: { refreshToken: string }, ctx) => ctx.sessions.logout(args.refreshToken),
    createLinkNonce: async (_root, args: { merchantId: string }, ctx) => ctx.linking.createHandoffNonce(await ctx.requireViewer(), args.merchantId),
    createAssertionNonce: async (_root, args: { merchantId: string }, ctx) => ctx.linking.createAssertionNonce(await ctx.requireViewer(), args.merchantId),
    linkMerchantAssertion: async (_root, args: { assertion: string }, ctx) =>
      merchantLink(await ctx.linking.linkMerchantAssertion(await ctx.requireViewer(), args.assertion, ctx.requestId)),
    grantConsent: async (_root, args: ConsentArgs, ctx) => {
      const viewer = await ctx.requireViewer();
      const granted = await ctx.consents.grant(viewer.userId, args.purpose, args.merchantId ?? undefined, { requestId: ctx.requestId });
      // Identities already seen through the bridge are linked now, with no further action from the person.
      if (args.purpose === 'OFFICIAL_ACCOUNT_BRIDGE') await ctx.linking.reconcileUser(viewer.userId, ctx.requestId);
      return consent(granted);
    },
    withdrawConsent: async (_root, args: ConsentArgs, ctx) => {
      const viewer = await ctx.requireViewer();
      const withdrawn = await ctx.consents.withdraw(viewer.userId, args.purpose, args.merchantId ?? undefined, { requestId: ctx.requestId });
      return withdrawn ? consent(withdrawn) : null;
    },
    startOfficialAccountBridge: async (_root, _args, ctx) => {
      const { nonce, expiresAt } = await ctx.linking.startBridge(await ctx.requireViewer());
      return { url: ctx.bridgeStartUrl(nonce), expiresAt };
    },
    unlinkMerchant: async (_root, args: { merchantId: string }, ctx): Promise<UserRef> => {
      const { userId } = await ctx.requireViewer();
      await ctx.privacy.unlinkMerchant(userId, args.merchantId, { requestId: ctx.requestId });
      ctx.loaders.identitiesOfUser.clear(userId);
      return { id: userId };
    },
    exportMyData: async (_root, _args, ctx) => ctx.privacy.exportData((await ctx.requireViewer()).userId, { requestId: ctx.requestId }),
    deleteMyAccount: async (_root, _args, ctx) => {
      const { notifiedMerchants } = await ctx.privacy.erase((await ctx.requireViewer()).userId, { requestId: ctx.requestId });
      return { deleted: true, merchantsNotified: notifiedMerchants };
    },
  },
  MerchantLink: {
    merchant: (link: MerchantLinkRef, _args: unknown, ctx: IdentityContext) => {
      const config = ctx.platform.merchant(link.merchantId);
      return config ? merchant(config) : { id: link.merchantId, name: link.merchantId, disclosureConsent: null };
    },
    consentRequired: async (link: MerchantLinkRef, _args: unknown, ctx: IdentityContext) => {
      if (!ctx.platform.merchant(link.merchantId)?.disclosureConsent?.required) return false;
      const consents = await ctx.loaders.consentsOfUser.load(link.userId);
      return !consents.some((c) => c.purpose === 'MERCHANT_DISCLOSURE' && c.merchantId === link.merchantId && !c.withdrawnAt);
    },
    firstDisclosedAt: async (link: MerchantLinkRef, _args: unknown, ctx: IdentityContext) =>
      (await ctx.loaders.disclosuresOfUser.load(link.userId)).find((d) => d.merchantId === link.merchantId)?.firstAt ?? null,
    lastDisclosedAt: async (link: MerchantLinkRef, _args: unknown, ctx: IdentityContext) =>
      (await ctx.loaders.disclosuresOfUser.load(link.userId)).find((d) => d.merchantId === link.merchantId)?.lastAt ?? null,
  },
  User: {
    __resolveReference: async (ref: UserRef, ctx: IdentityContext) => ((await ctx.loaders.userExists.load(ref.id)) ? { id: ref.id } : null),
    linkedMerchants: async (user: UserRef, _args: unknown, ctx: IdentityContext) => {
      await requireSelf(user, ctx);
      const identities = await ctx.loaders.identitiesOfUser.load(user.id);
      return identities.filter((identity) => identity.merchantId).map(merchantLink);
    },
    consents: async (user: UserRef, _args: unknown, ctx: IdentityContext) => {
      await requireSelf(user, ctx);
      return (await ctx.loaders.consentsOfUser.load(user.id)).map(consent);
    },
  },
};

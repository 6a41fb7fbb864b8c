/** Thin resolvers: validate, delegate to the services, shape the answer. */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { PlatformError } from '../../platform/errors.js';
import type { ConsentDoc, ConsentPurpose, IdentityDoc } from '../../platform/identity-store/models.js';
import { DateTime } from '../kit/date-time.js';
import type { IdentityContext } from './context.js';
import { sessionResult, viewerFor, type UserRef } from './new-sessions.js';
const merchantLink = (identity: IdentityDoc) => ({ merchantId: identity.merchantId, linkedAt: identity.linkedAt, via: identity.via });
const consent = (doc: ConsentDoc) => ({ purpose: doc.purpose, grantedAt: doc.grantedAt, withdrawnAt: doc.withdrawnAt ?? null });

/** Fields of a User only that user may read (the user of a session just started is its own viewer). */
async function requireSelf(user: UserRef, ctx: IdentityContext): Promise<void> {
  if ((await viewerFor(user, ctx)).userId !== user.id) throw new PlatformError('FORBIDDEN', 'Only the user themselves can see this.');
}

export const resolvers: GraphQLResolverMap<IdentityContext> = {
  DateTime,
  Query: {
    me: async (_root, _args, ctx): Promise<UserRef> => ({ id: (await ctx.requireViewer()).userId }),
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
    grantConsent: async (_root, args: { purpose: ConsentPurpose }, ctx) => {
      const viewer = await ctx.requireViewer();
      const granted = await ctx.consents.grant(viewer.userId, args.purpose, ctx.requestId);
      // Identities already seen through the bridge are linked now, with no further action from the person.
      if (args.purpose === 'OFFICIAL_ACCOUNT_BRIDGE') await ctx.linking.reconcileUser(viewer.userId, ctx.requestId);
      return consent(granted);
    },
    withdrawConsent: async (_root, args: { purpose: ConsentPurpose }, ctx) => {
      const withdrawn = await ctx.consents.withdraw((await ctx.requireViewer()).userId, args.purpose, ctx.requestId);
      return withdrawn ? consent(withdrawn) : null;
    },
    startOfficialAccountBridge: async (_root, _args, ctx) => {
      const { nonce, expiresAt } = await ctx.linking.startBridge(await ctx.requireViewer());
      return { url: ctx.bridgeStartUrl(nonce), expiresAt };
    },
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
      return (await ctx.consents.ofUser(user.id)).map(consent);
    },
  },
};

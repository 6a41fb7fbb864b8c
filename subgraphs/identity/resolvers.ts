/** Thin resolvers: validate, delegate to the services, shape the answer. */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { PlatformError, unauthenticated } from '../../platform/errors.js';
import { DateTime } from '../kit/date-time.js';
import type { IdentityContext } from './context.js';
import type { SessionTokens } from './sessions.js';

interface UserRef {
  id: string;
}

const session = (tokens: SessionTokens) => ({
  accessToken: tokens.accessToken,
  tokenType: 'Bearer',
  expiresIn: tokens.expiresIn,
  refreshToken: tokens.refreshToken,
  user: { id: tokens.userId },
});

export const resolvers: GraphQLResolverMap<IdentityContext> = {
  DateTime,
  Query: {
    me: (_root, _args, ctx): UserRef => {
      if (!ctx.viewer) throw unauthenticated();
      return { id: ctx.viewer.userId };
    },
  },
  Mutation: {
    login: async (_root, args: { appId: string; code: string }, ctx) => session(await ctx.login.login(args.appId, args.code)),
    refreshSession: async (_root, args: { refreshToken: string }, ctx) => session(await ctx.sessions.refresh(args.refreshToken)),
    logout: (_root, args: { refreshToken: string }, ctx) => ctx.sessions.logout(args.refreshToken),
  },
  User: {
    __resolveReference: async (ref: UserRef, ctx: IdentityContext) => ((await ctx.loaders.userExists.load(ref.id)) ? { id: ref.id } : null),
    linkedMerchants: async (user: UserRef, _args: unknown, ctx: IdentityContext) => {
      if (ctx.viewer?.userId !== user.id) throw new PlatformError('FORBIDDEN', 'Only the user themselves can see their linked merchants.');
      const identities = await ctx.loaders.identitiesOfUser.load(user.id);
      return identities
        .filter((identity) => identity.merchantId)
        .map((identity) => ({ merchantId: identity.merchantId, linkedAt: identity.linkedAt, via: identity.via }));
    },
  },
};

/**
 * A `Session` is answered before anyone holds its access token, so its `user` must resolve as the new
 * session's viewer, not as the request's (usually nobody, at login). Inside this subgraph the User object
 * carries that viewer; for the merchant subgraphs the gateway reaches later in the same request, this
 * subgraph reports each new session in its response extensions (NEW_SESSIONS_EXTENSION) and the gateway,
 * after verifying the token, injects that viewer's identities into fetches under the session's field.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { NEW_SESSIONS_EXTENSION, type NewSessionReport } from '../../platform/identity/access-token.js';
import type { IdentityContext } from './context.js';
import type { IdentityViewer } from './identity-viewer.js';
import type { SessionTokens } from './sessions.js';

/** A User as resolvers pass it on; `session` is set when it is the user of a session just started. */
export interface UserRef {
  id: string;
  session?: IdentityViewer;
}

/** The `Session` object for new tokens, recording the session for the response extensions. */
export function sessionResult(tokens: SessionTokens, ctx: IdentityContext, info: GraphQLResolveInfo) {
  ctx.newSessions.push({ path: responsePathAsArray(info.path), accessToken: tokens.accessToken });
  const viewer: IdentityViewer = { userId: tokens.userId, appId: tokens.appId, sessionId: tokens.sessionId };
  const user: UserRef = { id: tokens.userId, session: viewer };
  return { accessToken: tokens.accessToken, tokenType: 'Bearer', expiresIn: tokens.expiresIn, refreshToken: tokens.refreshToken, user };
}

/** The viewer a User's viewer-only fields are checked against: the new session's, else the request's. */
export const viewerFor = (user: UserRef, ctx: IdentityContext): Promise<IdentityViewer> => (user.session ? Promise.resolve(user.session) : ctx.requireViewer());

/** Adds the sessions this request started to the response extensions, for the gateway. */
export function newSessionsPlugin(): ApolloServerPlugin<IdentityContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.newSessions.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const sessions: NewSessionReport[] = contextValue.newSessions;
          result.extensions = { ...result.extensions, [NEW_SESSIONS_EXTENSION]: sessions };
        },
      };
    },
  };
}

/**
 * A socket lives with its session: it closes 4401 TOKEN_EXPIRED when its access token expires, and
 * 4403 SESSION_REVOKED whenever the identity service ends the session: an unlink of the app's
 * merchant, a refresh token used twice, the account deleted, the user merged into another.
 * (Logout, and another gateway's feed, are in subscriptions.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, openGraphQLSocket, type GraphQLSocket } from '../support/graphql-socket.js';
import { linkingSteps } from '../support/linking-steps.js';
import { APPS, startSystem, type System } from '../support/system.js';

const STOCK = 'subscription Stock($id: ID!) { couponStock(couponId: $id) { id remaining } }';
const TOKEN_TTL_SECONDS = 3;

let system: System;
const sockets: GraphQLSocket[] = [];

/** A socket of `token`'s session holding a subscription (its first event received). */
async function subscribed(token: string): Promise<GraphQLSocket> {
  const socket = await openGraphQLSocket(system.gatewayUrl, { init: bearer(token) });
  sockets.push(socket);
  socket.subscribe('s', { query: STOCK, variables: { id: 'welcome-10' } });
  await socket.until(() => socket.results('s').length > 0, 'the first event');
  return socket;
}

/** Resolves with the close, or 'still open' after `ms`. */
const closedWithin = (socket: GraphQLSocket, ms: number) =>
  Promise.race([socket.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), ms))]);

beforeAll(async () => {
  system = await startSystem({ accessTokenTtlSeconds: TOKEN_TTL_SECONDS });
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await system.close();
});

describe('a socket and its session', () => {
  it('closes 4401 TOKEN_EXPIRED when the access token expires, and refuses the expired token at connection_init', async () => {
    const session = await system.login(APPS.platform, 'expiry-amy');
    const socket = await subscribed(session.accessToken);
    const opened = Date.now();
    expect(await socket.closed).toEqual({ code: 4401, reason: 'TOKEN_EXPIRED' });
    expect(Date.now() - opened).toBeLessThan(TOKEN_TTL_SECONDS * 1000 + 1000);
    await expect(openGraphQLSocket(system.gatewayUrl, { init: bearer(session.accessToken) })).rejects.toThrow(/4401 TOKEN_EXPIRED/);
  });

  it('closes 4403 when the merchant is unlinked, for the sessions opened in that merchant’s app only', async () => {
    const person = 'unlink-ben';
    const platformSession = await system.login(APPS.platform, person);
    const acmeSession = await system.login(APPS.acme, person);
    const [platformSocket, acmeSocket] = await Promise.all([subscribed(platformSession.accessToken), subscribed(acmeSession.accessToken)]);
    const unlinked = await system.graphql('mutation { unlinkMerchant(merchantId: "acme") { id } }', undefined, platformSession.accessToken);
    expect(unlinked.errors).toBeUndefined();
    expect(await closedWithin(acmeSocket, 1000)).toEqual({ code: 4403, reason: 'SESSION_REVOKED' });
    expect(await closedWithin(platformSocket, 300)).toBe('still open');
  });

  it('closes 4403 when a refresh token is used twice (the family is revoked)', async () => {
    const session = await system.login(APPS.platform, 'reuse-cat');
    const socket = await subscribed(session.accessToken);
    const refresh = 'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }';
    expect((await system.graphql(refresh, { t: session.refreshToken })).errors).toBeUndefined();
    expect((await system.graphql(refresh, { t: session.refreshToken })).errors).toBeDefined();
    expect(await closedWithin(socket, 2000)).toEqual({ code: 4403, reason: 'SESSION_REVOKED' });
  });

  it('closes 4403 when the account is deleted', async () => {
    const session = await system.login(APPS.platform, 'erase-dan');
    const socket = await subscribed(session.accessToken);
    const deleted = await system.graphql('mutation { deleteMyAccount { deleted } }', undefined, session.accessToken);
    expect(deleted.errors).toBeUndefined();
    expect(await closedWithin(socket, 2000)).toEqual({ code: 4403, reason: 'SESSION_REVOKED' });
  });

  it('closes 4403 for the sessions of a user merged into another', async () => {
    const person = 'merge-eve';
    const { handoffNonce, loginWithNonce } = linkingSteps(system);
    const platformSession = await system.login(APPS.platform, person);
    // Bob's app shares no Open Platform account with the platform: logging in there makes a second user.
    const bobsSession = await system.login(APPS.bobs, person);
    expect(bobsSession.userId).not.toBe(platformSession.userId);
    const [platformSocket, bobsSocket] = await Promise.all([subscribed(platformSession.accessToken), subscribed(bobsSession.accessToken)]);
    // The handoff links Bob's identity to the platform user: the newer user (Bob's) is merged away.
    const linked = await loginWithNonce(APPS.bobs, person, await handoffNonce(platformSession, 'bobs'));
    expect(linked.data?.login.user.id).toBe(platformSession.userId);
    expect(await closedWithin(bobsSocket, 2000)).toEqual({ code: 4403, reason: 'SESSION_REVOKED' });
    expect(await closedWithin(platformSocket, 300)).toBe('still open');
  });
});

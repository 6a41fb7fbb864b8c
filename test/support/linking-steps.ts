/** The client-side steps of the linking routes (handoff, official-account bridge, assertion nonce), shared by the tests that walk them. */
import { expect } from 'vitest';
import { loginCode } from './fixtures.js';
import type { System } from './system.js';

export type Session = { accessToken: string; refreshToken: string; userId: string };

export function linkingSteps(system: System) {
  /** The merchant app's login with the nonce the platform app handed over. */
  async function loginWithNonce(appId: string, user: string, linkNonce: string) {
    const wxCode = await loginCode(system.simulator, appId, user);
    return system.graphql<{ login: { user: { id: string } } }>(
      `mutation($appId: ID!, $code: String!, $n: String) { login(appId: $appId, code: $code, linkNonce: $n) { user { id } } }`,
      { appId, code: wxCode, n: linkNonce },
    );
  }

  async function handoffNonce(session: Session, merchantId = 'bobs'): Promise<string> {
    const result = await system.graphql<{ createLinkNonce: { nonce: string } }>(
      `mutation($m: ID!) { createLinkNonce(merchantId: $m) { nonce expiresAt } }`,
      { m: merchantId },
      session.accessToken,
    );
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data.createLinkNonce.nonce;
  }

  async function assertionNonce(session: Session, merchantId = 'bobs'): Promise<string> {
    const result = await system.graphql<{ createAssertionNonce: { nonce: string } }>(
      `mutation($m: ID!) { createAssertionNonce(merchantId: $m) { nonce } }`,
      { m: merchantId },
      session.accessToken,
    );
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data.createAssertionNonce.nonce;
  }

  /** Runs the bridge as the web-view would: start page, WeChat's silent authorize (as `user`), callback. */
  async function runBridge(session: Session, user: string, options: { snapshot?: boolean; whileAtWechat?: () => Promise<void> } = {}): Promise<number> {
    const started = await system.graphql<{ startOfficialAccountBridge: { url: string } }>(
      `mutation { startOfficialAccountBridge { url expiresAt } }`,
      undefined,
      session.accessToken,
    );
    if (!started.data) throw new Error(JSON.stringify(started.errors));
    const toWechat = await fetch(started.data.startOfficialAccountBridge.url, { redirect: 'manual' });
    expect(toWechat.status).toBe(302);
    const authorize = new URL(toWechat.headers.get('location')!);
    expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
    const back = await fetch(authorize, { redirect: 'manual', headers: { 'x-sim-user': user, ...(options.snapshot ? { 'x-sim-snapshot': '1' } : {}) } });
    expect(back.status).toBe(302);
    await options.whileAtWechat?.();
    return (await fetch(back.headers.get('location')!, { redirect: 'manual' })).status;
  }

  return { loginWithNonce, handoffNonce, assertionNonce, runBridge };
}

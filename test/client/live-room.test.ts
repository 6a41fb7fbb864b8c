/**
 * The example's live-room page against the whole system, run as WeChat runs it (the platform app in a
 * sandbox with only a mini-program's globals, its socket through wx.connectSocket): the coupon's count
 * follows claims made on other phones within a second, the viewer's own claim shows, one socket carries
 * every subscription and closes when the page is hidden, the page keeps updating across an access token
 * expiring (4401) and the session being ended elsewhere (4403), and it runs on a gateway that runs only
 * its persisted documents.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'identity-federation-client';
import { completeHandoff } from '../../examples/mini-program/acme-app/pages/handoff/handoff-logic.js';
import { createAcmeClient } from '../../examples/mini-program/acme-app/config.js';
import { APP_IDS, createPlatformClient, ENDPOINT, WECHAT_SIMULATOR } from '../../examples/mini-program/config.js';
import { agreeToDisclosure, claimCoupon, linkMerchant } from '../../examples/mini-program/pages/home/home-logic.js';
import type { LiveRoomView } from '../../examples/mini-program/pages/live-room/live-room-logic.js';
import { loadPersistedDocuments } from '../../gateway/features/persisted-documents.js';
import { startSystem, type System } from '../support/system.js';
import { createPhone, type WxShim } from '../support/wx-shim.js';
import { startMiniProgram, type MiniProgram, type PageInstance } from './mini-program-sandbox.js';
import { wxSockets, type WxSockets } from './wx-sockets.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/mini-program/', import.meta.url));
const MANIFEST = fileURLToPath(new URL('../../examples/mini-program/generated/persisted-documents.json', import.meta.url));
const LIVE_ROOM = 'pages/live-room/live-room';
/** Access tokens live this long, so a socket sees its token expire during a test. */
const TTL_SECONDS = 4;
const COUPONS = ['live-drop', 'live-second', 'live-own', 'live-expiry', 'live-manifest'];
const SESSION_KEY = `identity-federation:session:${APP_IDS.platform}`;

let system: System;
beforeAll(async () => {
  system = await startSystem({
    accessTokenTtlSeconds: TTL_SECONDS,
    coupons: COUPONS.map((id) => ({ _id: id, title: `Live ${id}`, discountCents: 500, stock: 1000 })),
  });
});
afterAll(() => system.close());
const pagesShown: PageInstance[] = [];
afterEach(() => {
  for (const page of pagesShown.splice(0)) (page.onUnload as () => void).call(page);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  }
}

interface Phone {
  wx: WxShim;
  /** ACME's app on the same phone (where the platform app's handoff lands). */
  acme: WxShim;
  sockets: WxSockets;
  /** Every frame the app sent on its sockets. */
  frames: string[];
}

/**
 * One person's phone with the platform app on it, its `wx` reaching this test's system as a hosts entry
 * would (the gateway and the WeChat simulator that config.ts names). Each phone is its own person in the
 * simulator: its logins are for `user`, not config.ts's one SIMULATED_PERSON.
 */
function phoneOf(user: string, gatewayUrl = system.gatewayUrl): Phone {
  const phone = createPhone(system.simulator, user);
  const wx = phone.app(APP_IDS.platform);
  const frames: string[] = [];
  const sockets = wxSockets((url) => (url === ENDPOINT.replace(/^http/, 'ws') ? gatewayUrl.replace(/^http/, 'ws') : url));
  const moved = (option: WechatMiniprogram.RequestOption): WechatMiniprogram.RequestOption => {
    if (option.url === ENDPOINT) return { ...option, url: gatewayUrl };
    if (option.url !== `${WECHAT_SIMULATOR}/sim/login`) return option;
    return { ...option, url: `${system.simulator.url}/sim/login`, data: { ...(option.data as object), user } };
  };
  const connectSocket = (option: WechatMiniprogram.ConnectSocketOption) => {
    const task = sockets.connectSocket(option);
    const send = (option: WechatMiniprogram.SocketTaskSendOption) => {
      frames.push(String(option.data));
      task.send(option);
    };
    return { ...task, send };
  };
  const shim = new Proxy(wx, {
    get(target, property, receiver) {
      if (property === 'request') return (option: WechatMiniprogram.RequestOption) => target.request(moved(option));
      if (property === 'connectSocket') return connectSocket;
      return Reflect.get(target, property, receiver);
    },
  });
  return { wx: shim, acme: phone.app(APP_IDS.acme), sockets, frames };
}

/** A live-room page of the app, opened for `couponId` and shown until the coupon is on screen. */
async function showLiveRoom(app: MiniProgram, couponId: string) {
  const page = app.page(LIVE_ROOM);
  await app.call(page, 'onLoad', { couponId });
  await app.call(page, 'onShow');
  pagesShown.push(page);
  const view = page.data as unknown as LiveRoomView;
  await waitFor('the live room shows the coupon', () => view.coupon !== null);
  return { page, view };
}

/** The platform app started on the phone, and its live-room page shown for `couponId`. */
async function openLiveRoom(phone: Phone, couponId: string) {
  const app = startMiniProgram(EXAMPLE, phone.wx);
  return { app, ...(await showLiveRoom(app, couponId)) };
}

/** The app's own logins and refreshes (by the documents' text, which each goes as once this gateway said it lacks the hash). */
const sessionCalls = (phone: Phone, operation: 'Login' | 'RefreshSession') =>
  phone.wx.sent.filter((body) => body.startsWith('{') && (JSON.parse(body) as { query?: string }).query?.trim().startsWith(`mutation ${operation}(`)).length;

/** Links the person's ACME identity (the handoff to ACME's app on the same phone) and agrees to ACME receiving it. */
async function linkAcme(client: Client, platformWx: WxShim, acmeWx: WxShim): Promise<void> {
  await linkMerchant(client, platformWx, 'acme');
  expect((await completeHandoff(createAcmeClient(acmeWx, system.gatewayUrl, ''))).linked).toBe(true);
  expect(await agreeToDisclosure(client, 'acme')).toBe(true);
}

let shoppers = 0;
/** Someone else, on their own phone, links ACME and claims the coupon. Resolves when the claim is answered. */
async function claimElsewhere(couponId: string): Promise<void> {
  const phone = createPhone(system.simulator, `live-shopper-${++shoppers}`);
  const client = createPlatformClient(phone.app(APP_IDS.platform), system.gatewayUrl, '');
  await linkAcme(client, phone.app(APP_IDS.platform), phone.app(APP_IDS.acme));
  expect(await claimCoupon(client, couponId)).toBe(true);
}

describe('the live-room page', () => {
  it('shows the coupon live: a claim on another phone appears within a second; hiding the page closes the socket', async () => {
    const phone = phoneOf('live-ada');
    const { app, page, view } = await openLiveRoom(phone, 'live-drop');
    const before = view.coupon!.remaining;
    expect(view.coupon).toMatchObject({ id: 'live-drop', title: 'Live live-drop' });
    // Not linked to ACME: whether she holds it is unknown, and the page offers the link.
    expect(view.coupon!.claimedByMe).toBeNull();
    expect(view.linkHints).toEqual(['acme']);

    const claimed = claimElsewhere('live-drop');
    await claimed;
    const answeredAt = Date.now();
    await waitFor('the count drops', () => view.coupon!.remaining === before - 1, 1000);
    expect(Date.now() - answeredAt).toBeLessThan(1000);

    // A second live room in the same app (another coupon) shares the one socket.
    const second = await showLiveRoom(app, 'live-second');
    expect(second.view.coupon!.id).toBe('live-second');
    expect(phone.sockets.connects()).toBe(1);

    await app.call(second.page, 'onUnload');
    await app.call(page, 'onHide');
    await waitFor('the idle socket closes', () => phone.sockets.open() === 0, 6000);
    expect(view.failed).toBe('');
  });

  it('the claim button: the viewer\u2019s own claim comes back as claimedByMe and one fewer', async () => {
    const phone = phoneOf('live-bea');
    const app = startMiniProgram(EXAMPLE, phone.wx);
    await linkAcme((app.app().globalData as { client: Client }).client, phone.wx, phone.acme);

    const page = app.page(LIVE_ROOM);
    await app.call(page, 'onLoad', { couponId: 'live-own' });
    await app.call(page, 'onShow');
    pagesShown.push(page);
    const view = page.data as unknown as LiveRoomView;
    await waitFor('the live room shows the coupon', () => view.coupon !== null);
    expect(view.coupon!.claimedByMe).toBe(false);
    const before = view.coupon!.remaining;
    await app.call(page, 'onClaim');
    await waitFor('her claim shows', () => view.coupon!.claimedByMe === true && view.coupon!.remaining === before - 1, 2000);
    expect(view.linkHints).toEqual([]);
    expect(view.failed).toBe('');
  });

  it('keeps updating across an expired access token (4401: one refresh) and a session ended elsewhere (4403: one new login)', async () => {
    const phone = phoneOf('live-cal');
    const { view } = await openLiveRoom(phone, 'live-expiry');
    expect([sessionCalls(phone, 'Login'), sessionCalls(phone, 'RefreshSession')]).toEqual([1, 0]);

    await waitFor('the token expires and the socket is replaced', () => phone.sockets.connects() === 2, (TTL_SECONDS + 3) * 1000);
    expect(phone.sockets.closes).toEqual([{ code: 4401, reason: 'TOKEN_EXPIRED' }]);
    expect(sessionCalls(phone, 'RefreshSession')).toBe(1);
    let before = view.coupon!.remaining;
    await claimElsewhere('live-expiry');
    await waitFor('the count drops', () => view.coupon!.remaining === before - 1, 1000);

    // Logged out on another device (the same session): the gateway closes the socket 4403.
    const { refreshToken } = JSON.parse(String(phone.wx.getStorageSync(SESSION_KEY))) as { refreshToken: string };
    const loggedOut = await system.graphql(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: refreshToken });
    expect(loggedOut.errors).toBeUndefined();
    await waitFor('a new login opens a new socket', () => phone.sockets.connects() === 3, 5000);
    expect(phone.sockets.closes[1]).toEqual({ code: 4403, reason: 'SESSION_REVOKED' });
    expect([sessionCalls(phone, 'Login'), sessionCalls(phone, 'RefreshSession')]).toEqual([2, 1]);
    before = view.coupon!.remaining;
    await claimElsewhere('live-expiry');
    await waitFor('the count drops', () => view.coupon!.remaining === before - 1, 1000);
    expect(view.failed).toBe('');
  });

  it('runs on a gateway that runs only its persisted documents: CouponStock travels as its hash alone', async () => {
    const gateway = await system.startGateway({ persistedDocuments: { manifest: loadPersistedDocuments(MANIFEST), only: true } });
    const phone = phoneOf('live-dot', gateway.url);
    const { view } = await openLiveRoom(phone, 'live-manifest');
    const before = view.coupon!.remaining;
    await claimElsewhere('live-manifest');
    await waitFor('the count drops', () => view.coupon!.remaining === before - 1, 1000);
    const subscribes = phone.frames.map((frame) => JSON.parse(frame) as { type: string; payload?: object }).filter((message) => message.type === 'subscribe');
    expect(subscribes.length).toBeGreaterThan(0);
    expect(subscribes.filter((message) => 'query' in message.payload!)).toEqual([]);
  });
});

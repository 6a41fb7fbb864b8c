/**
 * The live-room page (opened as /pages/live-room/live-room?couponId=...): watches while shown, stops
 * when hidden. WeChat closes a backgrounded app's sockets, so the page lets go on hide and subscribes
 * again on show, when the first event brings the current count.
 */
import type { PlatformApp } from '../../app.js';
import { claimCoupon, linkMerchant } from '../home/home-logic.js';
import { watchCoupon, type LiveRoomView } from './live-room-logic.js';

const client = () => getApp<PlatformApp>().globalData.client;

Page<
  LiveRoomView & { couponId: string },
  {
    stopWatching(): void;
    onClaim(): Promise<void>;
    onLink(event: WechatMiniprogram.BaseEvent): Promise<void>;
  }
>({
  data: { couponId: '', coupon: null, linkHints: [], failed: '' },
  stopWatching: () => undefined,
  onLoad(query: Record<string, string | undefined>) {
    this.setData({ couponId: query.couponId ?? '' });
  },
  onShow() {
    this.stopWatching();
    if (!this.data.couponId) {
      this.setData({ failed: 'Open the live room from a coupon.' });
      return;
    }
    this.stopWatching = watchCoupon(client(), this.data.couponId, (view) => this.setData(view));
  },
  onHide() {
    this.stopWatching();
  },
  onUnload() {
    this.stopWatching();
  },
  async onClaim() {
    // The count and `claimedByMe` change with the event the claim causes, here and on every other phone.
    if (!(await claimCoupon(client(), this.data.couponId))) this.setData({ failed: 'The coupon could not be claimed.' });
  },
  async onLink(event) {
    await linkMerchant(client(), wx, String(event.currentTarget.dataset.merchant));
  },
});

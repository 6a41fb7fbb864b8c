/** The home page: renders loadHome() and wires the buttons. */
import type { PlatformApp } from '../../app.js';
import { agreeToDisclosure, claimCoupon, linkMerchant, loadHome, type HomeView } from './home-logic.js';

const client = () => getApp<PlatformApp>().globalData.client;

Page<
  HomeView & { failed: string },
  {
    refresh(): Promise<void>;
    onClaim(event: WechatMiniprogram.BaseEvent): Promise<void>;
    onLink(event: WechatMiniprogram.BaseEvent): Promise<void>;
    onAgree(event: WechatMiniprogram.BaseEvent): Promise<void>;
  }
>({
  data: { userId: undefined, myCoupons: null, availableCoupons: [], products: [], linkHints: [], consentHints: [], failed: '' },
  onShow() {
    void this.refresh();
  },
  async refresh() {
    try {
      this.setData({ ...(await loadHome(client())), failed: '' });
    } catch (error) {
      this.setData({ failed: (error as Error).message });
    }
  },
  async onClaim(event) {
    if (await claimCoupon(client(), String(event.currentTarget.dataset.coupon))) await this.refresh();
  },
  async onLink(event) {
    await linkMerchant(client(), wx, String(event.currentTarget.dataset.merchant));
  },
  async onAgree(event) {
    if (await agreeToDisclosure(client(), String(event.currentTarget.dataset.merchant))) await this.refresh();
  },
});

/** The account page: linked merchants and consents; recognising the person through the platform's official account. */
import type { PlatformApp } from '../../app.js';
import { loadAccount, startBridgeWithConsent, withdrawBridgeConsent } from './account-logic.js';

const client = () => getApp<PlatformApp>().globalData.client;

Page<
  { linkedMerchants: string[]; consents: string[]; failed: string },
  {
    refresh(): Promise<void>;
    onBridge(): Promise<void>;
    onWithdrawBridge(): Promise<void>;
  }
>({
  data: { linkedMerchants: [], consents: [], failed: '' },
  onShow() {
    void this.refresh();
  },
  async refresh() {
    try {
      const me = await loadAccount(client());
      this.setData({
        linkedMerchants: (me?.linkedMerchants ?? []).map((link) => `${link.merchantId} (${link.via})`),
        consents: (me?.consents ?? []).filter((consent) => !consent.withdrawnAt).map((consent) => consent.purpose),
        failed: '',
      });
    } catch (error) {
      this.setData({ failed: (error as Error).message });
    }
  },
  async onBridge() {
    // The official account's silent web authorisation runs in a web-view page (pages/bridge).
    const url = await startBridgeWithConsent(client());
    await wx.navigateTo({ url: `/pages/bridge/bridge?url=${encodeURIComponent(url)}` });
  },
  async onWithdrawBridge() {
    if (await withdrawBridgeConsent(client())) await this.refresh();
  },
});

/** Shown when ACME's app opens: completes a handoff from the platform app, if there is one. */
import type { AcmeApp } from '../../app.js';
import { completeHandoff, type HandoffView } from './handoff-logic.js';

Page<HandoffView & { failed: string }, WechatMiniprogram.IAnyObject>({
  data: { linked: false, linkedMerchants: [], failed: '' },
  async onLoad() {
    try {
      this.setData(await completeHandoff(getApp<AcmeApp>().globalData.client));
    } catch (error) {
      this.setData({ failed: (error as Error).message });
    }
  },
});

/**
 * The live-room page: a coupon's stock draining live while the host talks, with a claim button. Its
 * subscription shares the client's one socket with every other (a mini-program may open five).
 * Page-independent so the tests run it as is.
 */
import { notLinkedMerchantIds, subscribe, type Client } from 'identity-federation-client';
import { CouponStockDocument, type CouponStockSubscription } from '../../generated/graphql.js';

export interface LiveRoomView {
  /** The coupon as the last event showed it; null until the first event. */
  coupon: CouponStockSubscription['couponStock'] | null;
  /** Merchants to link before `claimedByMe` can be known (MERCHANT_IDENTITY_NOT_LINKED). */
  linkHints: string[];
  failed: string;
}

/**
 * Watches the coupon until the returned function is called. The first event is the coupon's current
 * state, and so is the first after a reconnect: a claim made while the socket was down is never left out
 * of `remaining` for longer than the gap.
 */
export function watchCoupon(client: Client, couponId: string, show: (view: Partial<LiveRoomView>) => void): () => void {
  return subscribe(
    client,
    CouponStockDocument,
    { couponId },
    {
      next: ({ data, errors }) =>
        show(data ? { coupon: data.couponStock, linkHints: notLinkedMerchantIds({ errors }), failed: '' } : { failed: errors?.[0]?.message ?? 'no data' }),
      error: (error) => show({ failed: error.message }),
      complete: () => show({ failed: 'The live room has ended.' }),
    },
  );
}

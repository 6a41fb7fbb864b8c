/**
 * The platform app's home page: who is logged in, their ACME coupons, Bob's products, and a "link" button
 * for each merchant whose data needs a linked identity. Page-independent so the tests run it as is.
 */
/// <reference types="miniprogram-api-typings" />
import { ClaimCouponDocument, HomePageDocument, type HomePageQuery } from '../../../generated/graphql.js';
import { notLinkedMerchantIds, type Client } from '../../../lib/client.js';

export interface HomeView {
  userId: string | undefined;
  /** The viewer's ACME coupons; null until ACME is linked. */
  myCoupons: NonNullable<HomePageQuery['me']>['coupons'];
  availableCoupons: HomePageQuery['availableCoupons'];
  products: { id: string; name: string; priceCents: number }[];
  /** Merchants to offer a "link" button for (MERCHANT_IDENTITY_NOT_LINKED). */
  linkHints: string[];
}

export async function loadHome(client: Client): Promise<HomeView> {
  const { data, errors } = await client.request(HomePageDocument, { productCount: 5 });
  return {
    userId: data?.me?.id,
    myCoupons: data?.me?.coupons ?? null,
    availableCoupons: data?.availableCoupons ?? [],
    products: (data?.products.edges ?? []).map((edge) => edge.node),
    linkHints: notLinkedMerchantIds({ errors }),
  };
}

export async function claimCoupon(client: Client, couponId: string): Promise<boolean> {
  const { data } = await client.request(ClaimCouponDocument, { couponId });
  return !!data?.claimCoupon;
}

/** The "link" button: hands the person over to the merchant's app with a one-time nonce. */
export async function linkMerchant(
  client: Client,
  wxApi: { navigateToMiniProgram(option: WechatMiniprogram.NavigateToMiniProgramOption): unknown },
  merchantId: string,
): Promise<void> {
  const handoff = await client.prepareHandoff(merchantId);
  await new Promise<void>((resolve, reject) => {
    wxApi.navigateToMiniProgram({ ...handoff, success: () => resolve(), fail: (failure) => reject(new Error(failure.errMsg)) });
  });
}

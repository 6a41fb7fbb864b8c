/**
 * The platform app's home page: who is logged in, their ACME coupons, Bob's products, and a "link" button
 * for each merchant whose data needs a linked identity. Page-independent so the tests run it as is.
 */
/// <reference types="miniprogram-api-typings" />
import { ClaimCouponDocument, GrantMerchantDisclosureDocument, HomePageDocument, type HomePageQuery } from '../../generated/graphql.js';
import { consentRequiredMerchantIds, notLinkedMerchantIds, type Client } from 'identity-federation-client';

export interface HomeView {
  userId: string | undefined;
  /** The viewer's ACME coupons; null until ACME is linked. */
  myCoupons: NonNullable<HomePageQuery['me']>['coupons'];
  availableCoupons: HomePageQuery['availableCoupons'];
  products: { id: string; name: string; priceCents: number }[];
  /** Merchants to offer a "link" button for (MERCHANT_IDENTITY_NOT_LINKED). */
  linkHints: string[];
  /** Linked merchants waiting for the person's consent to receive their OpenID (CONSENT_REQUIRED): show the notice. */
  consentHints: string[];
}

export async function loadHome(client: Client): Promise<HomeView> {
  const { data, errors } = await client.request(HomePageDocument, { productCount: 5 });
  return {
    userId: data?.me?.id,
    myCoupons: data?.me?.coupons ?? null,
    availableCoupons: data?.availableCoupons ?? [],
    products: (data?.products.edges ?? []).map((edge) => edge.node),
    linkHints: notLinkedMerchantIds({ errors }),
    consentHints: consentRequiredMerchantIds({ errors }),
  };
}

export async function claimCoupon(client: Client, couponId: string): Promise<boolean> {
  const { data } = await client.request(ClaimCouponDocument, { couponId });
  return !!data?.claimCoupon;
}

/** The "agree" button under the merchant's notice (from the `merchants` query): the merchant may now receive the OpenID. */
export async function agreeToDisclosure(client: Client, merchantId: string): Promise<boolean> {
  const { data } = await client.request(GrantMerchantDisclosureDocument, { merchantId });
  return !!data?.grantConsent;
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

/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation CreateLinkNonce($merchantId: ID!) {\n  createLinkNonce(merchantId: $merchantId) {\n    nonce\n    expiresAt\n  }\n}\n\nmutation StartOfficialAccountBridge {\n  startOfficialAccountBridge {\n    url\n    expiresAt\n  }\n}": typeof types.CreateLinkNonceDocument,
    "query PrivacyMerchants {\n  merchants {\n    id\n    name\n    disclosureConsent {\n      required\n      purpose\n      notice\n      version\n    }\n  }\n}\n\nquery MyPrivacy {\n  me {\n    id\n    linkedMerchants {\n      merchantId\n      via\n      linkedAt\n      consentRequired\n      firstDisclosedAt\n      lastDisclosedAt\n      merchant {\n        id\n        name\n      }\n    }\n    consents {\n      purpose\n      merchantId\n      noticeVersion\n      grantedAt\n      withdrawnAt\n    }\n  }\n}\n\nmutation GrantMerchantDisclosure($merchantId: ID!) {\n  grantConsent(purpose: MERCHANT_DISCLOSURE, merchantId: $merchantId) {\n    purpose\n    merchantId\n    noticeVersion\n    grantedAt\n  }\n}\n\nmutation WithdrawMerchantDisclosure($merchantId: ID!) {\n  withdrawConsent(purpose: MERCHANT_DISCLOSURE, merchantId: $merchantId) {\n    purpose\n    merchantId\n    withdrawnAt\n  }\n}\n\nmutation UnlinkMerchant($merchantId: ID!) {\n  unlinkMerchant(merchantId: $merchantId) {\n    id\n    linkedMerchants {\n      merchantId\n    }\n  }\n}\n\nmutation ExportMyData {\n  exportMyData\n}\n\nmutation DeleteMyAccount {\n  deleteMyAccount {\n    deleted\n    merchantsNotified\n  }\n}": typeof types.PrivacyMerchantsDocument,
    "mutation Login($appId: ID!, $code: String!, $linkNonce: String) {\n  login(appId: $appId, code: $code, linkNonce: $linkNonce) {\n    accessToken\n    expiresIn\n    refreshToken\n    user {\n      id\n    }\n  }\n}\n\nmutation RefreshSession($refreshToken: String!) {\n  refreshSession(refreshToken: $refreshToken) {\n    accessToken\n    expiresIn\n    refreshToken\n    user {\n      id\n    }\n  }\n}\n\nmutation Logout($refreshToken: String!) {\n  logout(refreshToken: $refreshToken)\n}": typeof types.LoginDocument,
    "query HomePage($productCount: Int = 5) {\n  me {\n    id\n    coupons {\n      claimedAt\n      coupon {\n        id\n        title\n        discountCents\n      }\n    }\n    favoriteProducts {\n      id\n      name\n    }\n  }\n  availableCoupons {\n    id\n    title\n    discountCents\n    remaining\n  }\n  products(first: $productCount) {\n    edges {\n      node {\n        id\n        name\n        priceCents\n      }\n    }\n  }\n}\n\nmutation ClaimCoupon($couponId: ID!) {\n  claimCoupon(couponId: $couponId) {\n    claimedAt\n    coupon {\n      id\n      remaining\n    }\n  }\n}": typeof types.HomePageDocument,
    "mutation CreateAssertionNonce($merchantId: ID!) {\n  createAssertionNonce(merchantId: $merchantId) {\n    nonce\n    expiresAt\n  }\n}\n\nmutation GrantConsent($purpose: ConsentPurpose!) {\n  grantConsent(purpose: $purpose) {\n    purpose\n    grantedAt\n  }\n}\n\nmutation WithdrawConsent($purpose: ConsentPurpose!) {\n  withdrawConsent(purpose: $purpose) {\n    purpose\n    withdrawnAt\n  }\n}": typeof types.CreateAssertionNonceDocument,
    "query Me {\n  me {\n    id\n    linkedMerchants {\n      merchantId\n      linkedAt\n      via\n    }\n    consents {\n      purpose\n      grantedAt\n      withdrawnAt\n    }\n  }\n}": typeof types.MeDocument,
};
const documents: Documents = {
    "mutation CreateLinkNonce($merchantId: ID!) {\n  createLinkNonce(merchantId: $merchantId) {\n    nonce\n    expiresAt\n  }\n}\n\nmutation StartOfficialAccountBridge {\n  startOfficialAccountBridge {\n    url\n    expiresAt\n  }\n}": types.CreateLinkNonceDocument,
    "query PrivacyMerchants {\n  merchants {\n    id\n    name\n    disclosureConsent {\n      required\n      purpose\n      notice\n      version\n    }\n  }\n}\n\nquery MyPrivacy {\n  me {\n    id\n    linkedMerchants {\n      merchantId\n      via\n      linkedAt\n      consentRequired\n      firstDisclosedAt\n      lastDisclosedAt\n      merchant {\n        id\n        name\n      }\n    }\n    consents {\n      purpose\n      merchantId\n      noticeVersion\n      grantedAt\n      withdrawnAt\n    }\n  }\n}\n\nmutation GrantMerchantDisclosure($merchantId: ID!) {\n  grantConsent(purpose: MERCHANT_DISCLOSURE, merchantId: $merchantId) {\n    purpose\n    merchantId\n    noticeVersion\n    grantedAt\n  }\n}\n\nmutation WithdrawMerchantDisclosure($merchantId: ID!) {\n  withdrawConsent(purpose: MERCHANT_DISCLOSURE, merchantId: $merchantId) {\n    purpose\n    merchantId\n    withdrawnAt\n  }\n}\n\nmutation UnlinkMerchant($merchantId: ID!) {\n  unlinkMerchant(merchantId: $merchantId) {\n    id\n    linkedMerchants {\n      merchantId\n    }\n  }\n}\n\nmutation ExportMyData {\n  exportMyData\n}\n\nmutation DeleteMyAccount {\n  deleteMyAccount {\n    deleted\n    merchantsNotified\n  }\n}": types.PrivacyMerchantsDocument,
    "mutation Login($appId: ID!, $code: String!, $linkNonce: String) {\n  login(appId: $appId, code: $code, linkNonce: $linkNonce) {\n    accessToken\n    expiresIn\n    refreshToken\n    user {\n      id\n    }\n  }\n}\n\nmutation RefreshSession($refreshToken: String!) {\n  refreshSession(refreshToken: $refreshToken) {\n    accessToken\n    expiresIn\n    refreshToken\n    user {\n      id\n    }\n  }\n}\n\nmutation Logout($refreshToken: String!) {\n  logout(refreshToken: $refreshToken)\n}": types.LoginDocument,
    "query HomePage($productCount: Int = 5) {\n  me {\n    id\n    coupons {\n      claimedAt\n      coupon {\n        id\n        title\n        discountCents\n      }\n    }\n    favoriteProducts {\n      id\n      name\n    }\n  }\n  availableCoupons {\n    id\n    title\n    discountCents\n    remaining\n  }\n  products(first: $productCount) {\n    edges {\n      node {\n        id\n        name\n        priceCents\n      }\n    }\n  }\n}\n\nmutation ClaimCoupon($couponId: ID!) {\n  claimCoupon(couponId: $couponId) {\n    claimedAt\n    coupon {\n      id\n      remaining\n    }\n  }\n}": types.HomePageDocument,
    "mutation CreateAssertionNonce($merchantId: ID!) {\n  createAssertionNonce(merchantId: $merchantId) {\n    nonce\n    expiresAt\n  }\n}\n\nmutation GrantConsent($purpose: ConsentPurpose!) {\n  grantConsent(purpose: $purpose) {\n    purpose\n    grantedAt\n  }\n}\n\nmutation WithdrawConsent($purpose: ConsentPurpose!) {\n  withdrawConsent(purpose: $purpose) {\n    purpose\n    withdrawnAt\n  }\n}": types.CreateAssertionNonceDocument,
    "query Me {\n  me {\n    id\n    linkedMerchants {\n      merchantId\n      linkedAt\n      via\n    }\n    consents {\n      purpose\n      grantedAt\n      withdrawnAt\n    }\n  }\n}": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateLinkNonce($merchantId: ID!) {\n  createLinkNonce(merchantId: $merchantId) {\n    nonce\n    expiresAt\n  }\n}\n\nmutation StartOfficialAccountBridge {\n  startOfficialAccountBridge {\n    url\n    expiresAt\n  }\n}"): typeof import('./graphql.js').CreateLinkNonceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PrivacyMerchants {\n  merchants {\n    id\n    name\n    disclosureConsent {\n      required\n      purpose\n      notice\n      version\n    }\n  }\n}\n\nquery MyPrivacy {\n  me {\n    id\n    linkedMerchants {\n      merchantId\n      via\n      linkedAt\n      consentRequired\n      firstDisclosedAt\n      lastDisclosedAt\n      merchant {\n        id\n        name\n      }\n    }\n    consents {\n      purpose\n      merchantId\n      noticeVersion\n      grantedAt\n      withdrawnAt\n    }\n  }\n}\n\nmutation GrantMerchantDisclosure($merchantId: ID!) {\n  grantConsent(purpose: MERCHANT_DISCLOSURE, merchantId: $merchantId) {\n    purpose\n    merchantId\n    noticeVersion\n    grantedAt\n  }\n}\n\nmutation WithdrawMerchantDisclosure($merchantId: ID!) {\n  withdrawConsent(purpose: MERCHANT_DISCLOSURE, merchantId: $merchantId) {\n    purpose\n    merchantId\n    withdrawnAt\n  }\n}\n\nmutation UnlinkMerchant($merchantId: ID!) {\n  unlinkMerchant(merchantId: $merchantId) {\n    id\n    linkedMerchants {\n      merchantId\n    }\n  }\n}\n\nmutation ExportMyData {\n  exportMyData\n}\n\nmutation DeleteMyAccount {\n  deleteMyAccount {\n    deleted\n    merchantsNotified\n  }\n}"): typeof import('./graphql.js').PrivacyMerchantsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Login($appId: ID!, $code: String!, $linkNonce: String) {\n  login(appId: $appId, code: $code, linkNonce: $linkNonce) {\n    accessToken\n    expiresIn\n    refreshToken\n    user {\n      id\n    }\n  }\n}\n\nmutation RefreshSession($refreshToken: String!) {\n  refreshSession(refreshToken: $refreshToken) {\n    accessToken\n    expiresIn\n    refreshToken\n    user {\n      id\n    }\n  }\n}\n\nmutation Logout($refreshToken: String!) {\n  logout(refreshToken: $refreshToken)\n}"): typeof import('./graphql.js').LoginDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query HomePage($productCount: Int = 5) {\n  me {\n    id\n    coupons {\n      claimedAt\n      coupon {\n        id\n        title\n        discountCents\n      }\n    }\n    favoriteProducts {\n      id\n      name\n    }\n  }\n  availableCoupons {\n    id\n    title\n    discountCents\n    remaining\n  }\n  products(first: $productCount) {\n    edges {\n      node {\n        id\n        name\n        priceCents\n      }\n    }\n  }\n}\n\nmutation ClaimCoupon($couponId: ID!) {\n  claimCoupon(couponId: $couponId) {\n    claimedAt\n    coupon {\n      id\n      remaining\n    }\n  }\n}"): typeof import('./graphql.js').HomePageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateAssertionNonce($merchantId: ID!) {\n  createAssertionNonce(merchantId: $merchantId) {\n    nonce\n    expiresAt\n  }\n}\n\nmutation GrantConsent($purpose: ConsentPurpose!) {\n  grantConsent(purpose: $purpose) {\n    purpose\n    grantedAt\n  }\n}\n\nmutation WithdrawConsent($purpose: ConsentPurpose!) {\n  withdrawConsent(purpose: $purpose) {\n    purpose\n    withdrawnAt\n  }\n}"): typeof import('./graphql.js').CreateAssertionNonceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    linkedMerchants {\n      merchantId\n      linkedAt\n      via\n    }\n    consents {\n      purpose\n      grantedAt\n      withdrawnAt\n    }\n  }\n}"): typeof import('./graphql.js').MeDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

/**
 * `npm run demo`: against a running `npm start`, logs simulated Alice in on the platform mini-program
 * and on ACME's (linked by UnionID), shows ACME's consent notice, grants it, claims a coupon, and prints
 * what the gateway answers. It finds them where `npm start` put them (GATEWAY_PORT, WECHAT_SIM_PORT), or at
 * the URLs given as arguments.
 */
import { readEnvironment } from '../platform/env.js';

const env = readEnvironment();
const gateway = process.argv[2] ?? `http://localhost:${env.GATEWAY_PORT}/graphql`;
const simulator = process.argv[3] ?? `http://localhost:${env.WECHAT_SIM_PORT}`;
const PLATFORM = 'wx1000000000000001';
const ACME = 'wx3000000000000001';

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
}

async function login(appId: string): Promise<string> {
  const { code } = await post<{ code: string }>(`${simulator}/sim/login`, { appId, user: 'alice' });
  const result = await post<{ data?: { login: { accessToken: string } }; errors?: unknown }>(gateway, {
    query: 'mutation($appId: ID!, $code: String!) { login(appId: $appId, code: $code) { accessToken } }',
    variables: { appId, code },
  });
  if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return result.data.login.accessToken;
}

const token = await login(PLATFORM);
const show = async (title: string, query: string) => console.log(`\n# ${title}\n${JSON.stringify(await post(gateway, { query }, token), null, 2)}`);
await show('Alice on the platform, before ACME knows her', '{ me { id linkedMerchants { merchantId via } coupons { coupon { title } } } }');
await login(ACME);
await show(
  'after she opened ACME\u2019s mini-program (linked by UnionID): ACME asks before it gets her ACME OpenID',
  '{ me { linkedMerchants { merchantId consentRequired merchant { name disclosureConsent { purpose notice version } } } coupons { coupon { title } } } }',
);
await show(
  'she agrees to the notice shown',
  'mutation { grantConsent(purpose: MERCHANT_DISCLOSURE, merchantId: "acme") { purpose merchantId noticeVersion grantedAt } }',
);
await show('now she claims a coupon', 'mutation { claimCoupon(couponId: "welcome-10") { claimedAt coupon { title remaining } } }');
await show('her coupons, from the platform', '{ me { linkedMerchants { merchantId via } coupons { coupon { title } } favoriteProducts { name } } }');

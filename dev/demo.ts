/**
 * `npm run demo`: against a running `npm start`, logs a simulated person in on the platform mini-program
 * and on ACME's (linked by UnionID), shows ACME's consent notice, grants it, claims a coupon, and prints
 * what the gateway answers. It finds them where `npm start` put them (GATEWAY_PORT, WECHAT_SIM_PORT), or at
 * the URLs given as arguments.
 *
 * Each run is a new person (`alice-` and a random suffix), so it can be run again against the same
 * system: the same person would already be linked to ACME, have consented and have claimed the coupon.
 */
import { randomBytes } from 'node:crypto';
import { readEnvironment } from '../platform/env.js';

const env = readEnvironment();
const gateway = process.argv[2] ?? `http://localhost:${env.GATEWAY_PORT}/graphql`;
const simulator = process.argv[3] ?? `http://localhost:${env.WECHAT_SIM_PORT}`;
const PLATFORM = 'wx1000000000000001';
const ACME = 'wx3000000000000001';
/** The simulator derives a person's OpenIDs and UnionID from this name: a new name is a new WeChat user. */
const person = `alice-${randomBytes(4).toString('hex')}`;

/** A step that could not run (nothing answers, a login refused); the demo stops there, since the next steps build on it. */
class DemoStepError extends Error {}

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new DemoStepError(
      `cannot reach ${url} (${(error as Error).message}): start the system with npm start, or give its URLs: npm run demo -- <gateway /graphql URL> <simulator URL>`,
    );
  }
  return (await response.json()) as T;
}

async function login(appId: string): Promise<string> {
  const { code } = await post<{ code: string }>(`${simulator}/sim/login`, { appId, user: person });
  const result = await post<{ data?: { login: { accessToken: string } }; errors?: { message: string }[] }>(gateway, {
    query: 'mutation($appId: ID!, $code: String!) { login(appId: $appId, code: $code) { accessToken } }',
    variables: { appId, code },
  });
  if (!result.data) throw new DemoStepError(`logging ${person} in on ${appId} failed: ${result.errors?.map((e) => e.message).join('; ')}`);
  return result.data.login.accessToken;
}

try {
  console.log(`# This run's person: ${person}, a new simulated WeChat user (every run of npm run demo makes another)`);
  const token = await login(PLATFORM);
  // Errors are printed with the rest of an answer: some are the point (ACME's field before she is linked).
  const show = async (title: string, query: string) => console.log(`\n# ${title}\n${JSON.stringify(await post(gateway, { query }, token), null, 2)}`);
  await show(`${person} on the platform, before ACME knows her`, '{ me { id linkedMerchants { merchantId via } coupons { coupon { title } } } }');
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
  console.log(`\n# That was ${person}. Run npm run demo again for another new person.`);
} catch (error) {
  if (!(error instanceof DemoStepError)) throw error;
  console.error(`\ndemo: ${error.message}`);
  process.exitCode = 1;
}

/**
 * Live stock across processes: two coupons subgraphs (the system's, and a second as its own OS process
 * on the same database) behind two gateways (the system's, and one as its own OS process). Claims go
 * through both gateways at once, so both coupons processes take them; every subscriber, on either
 * gateway, anonymous or logged in, gets every change of the coupon once, in order.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../support/gateway-process.js';
import { bearer, openGraphQLSocket, type GraphQLSocket } from '../support/graphql-socket.js';
import { APPS, PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

const MERCHANT_ENTRY = fileURLToPath(new URL('../../subgraphs/merchant-process/run-merchant-process.ts', import.meta.url));
const STOCK = 'subscription Stock($id: ID!) { couponStock(couponId: $id) { id remaining claimedByMe } }';
const CLAIM = 'mutation Claim($id: ID!) { claimCoupon(couponId: $id) { claimedAt } }';
const STOCK_AT_START = 500;
const CLAIMS = 40;

let system: System;
const sockets: GraphQLSocket[] = [];
let coupons2: ServiceProcess | undefined;

beforeAll(async () => {
  system = await startSystem({ coupons: [{ _id: 'drop', title: 'The drop', discountCents: 500, stock: STOCK_AT_START }] });
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await coupons2?.stop();
  await system.close();
});

async function claim(url: string, token: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CLAIM, variables: { id: 'drop' } }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`claim failed: ${JSON.stringify(body.errors)}`);
}

describe('live stock across two coupons processes and two gateways', () => {
  it(
    'gives every subscriber on either gateway every change once, in order',
    async () => {
      const database = system.merchantDatabase('coupons');
      coupons2 = await startServiceProcess(
        MERCHANT_ENTRY,
        { MONGODB_URI: database.uri, MONGODB_DB: database.name, COUPONS_SUBGRAPH_SECRET: system.secrets.COUPONS_SUBGRAPH_SECRET!, COUPONS_PORT: '0' },
        'coupons subgraph ready',
        60_000,
        ['coupons'],
      );
      const urls = Object.entries(system.received).map(([name, proxy]) => `${name}=${name === 'coupons' ? coupons2!.url : proxy.url}`);
      const gateway2 = await system.startGatewayProcess({ env: { SUBGRAPH_URLS: urls.join(',') } });

      const viewers = await Promise.all([system.login(APPS.acme, 'drop-viewer-1'), system.login(APPS.acme, 'drop-viewer-2')]);
      for (const [url, viewer] of [
        [system.gatewayUrl, viewers[0]!],
        [gateway2.url, viewers[1]!],
      ] as const) {
        for (const token of [undefined, undefined, viewer.accessToken]) {
          const socket = await openGraphQLSocket(url, { init: token ? bearer(token) : {} });
          sockets.push(socket);
          socket.subscribe('drop', { query: STOCK, variables: { id: 'drop' } });
        }
      }
      await Promise.all(sockets.map((socket) => socket.until(() => socket.results('drop').length > 0, 'the first event')));

      // Claimers on both gateways at once: each gateway's claims reach its own coupons process.
      const claimers = await Promise.all(Array.from({ length: CLAIMS }, (_, i) => system.login(APPS.acme, `drop-claimer-${i}`)));
      await Promise.all(claimers.map((claimer, i) => claim(i % 2 === 0 ? system.gatewayUrl : gateway2.url, claimer.accessToken)));

      const last = STOCK_AT_START - CLAIMS;
      for (const socket of sockets) {
        await socket.until(
          () => socket.results('drop').some((result) => (result.data as { couponStock: { remaining: number } }).couponStock.remaining === last),
          'the last change',
          20_000,
        );
        const remaining = socket.results('drop').map((result) => (result.data as { couponStock: { remaining: number } }).couponStock.remaining);
        // From the state at subscription, each change once and in order: consecutive, no repeats, no gaps.
        const first = remaining[0]!;
        expect(remaining).toEqual(Array.from({ length: first - last + 1 }, (_, i) => first - i));
        expect(socket.error('drop')).toBeUndefined();
      }
      expect(await gateway2.stop()).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

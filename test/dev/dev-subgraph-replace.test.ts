/**
 * `npm run dev:subgraph -- --name coupons --url ...`: ACME's team runs its working copy of an existing
 * subgraph inside the platform. The platform's own coupons process is not started; the gateway sends
 * coupons' fields to the team's process, signed with the subgraph's existing secret (printed), carrying
 * the viewer's OpenID in ACME's mini-program as the merchant config already says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIdentity } from '@identity-federation-gateway/subgraph-kit';
import { startDevSubgraph, type DevSubgraphProcess } from '../support/dev-subgraph-process.js';
import { APPS } from '../support/fixtures.js';
import { startForeignSubgraph, type ForeignSubgraph } from '../support/foreign-subgraph.js';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

let workingCopy: ForeignSubgraph;
let dev: DevSubgraphProcess;

beforeAll(async () => {
  // The team's working copy: a new field, and User.coupons not (yet) implemented.
  workingCopy = await startForeignSubgraph(`${LINK}\ntype Query { availableCoupons: [String!]! couponOfTheDay: String }`, {
    Query: { availableCoupons: () => ['WORKING-COPY-10'], couponOfTheDay: () => 'ten percent off' },
  });
  dev = await startDevSubgraph(['--name', 'coupons', '--url', workingCopy.url, '--poll-ms', '200']);
}, 160_000);

afterAll(async () => {
  await dev?.stop();
  await workingCopy?.close();
}, 30_000);

describe('npm run dev:subgraph replacing an existing subgraph', () => {
  it('routes the subgraph’s fields to the working copy only, signed with the subgraph’s secret and carrying the ACME OpenID', async () => {
    expect(dev.secretEnv).toBe('COUPONS_SUBGRAPH_SECRET');
    expect(dev.output.join('\n')).toMatch(/merchant\s+acme, mini-program wx3000000000000001/);

    // Kim opens ACME's mini-program: ACME's own OpenID of her goes to ACME's subgraph.
    const token = await dev.login(APPS.acme, 'kim');
    const before = workingCopy.received.length;
    expect(await dev.graphql('{ couponOfTheDay availableCoupons }', undefined, token)).toEqual({
      data: { couponOfTheDay: 'ten percent off', availableCoupons: ['WORKING-COPY-10'] },
    });
    // The platform's own coupons are gone from the supergraph, not merged with the working copy.
    const gone = await dev.graphql('{ me { coupons { coupon { id } } } }', undefined, token);
    expect(gone.errors?.[0]?.message).toMatch(/Cannot query field "coupons" on type "User"/);

    const request = workingCopy.received.slice(before).find((r) => r.body.includes('couponOfTheDay'))!;
    const kim = (await (await fetch(`${dev.simulatorUrl}/sim/identity?appId=${APPS.acme}&user=kim`)).json()) as { openId: string };
    const verified = verifyIdentity({ method: request.method, headers: request.headers, rawBody: request.body, secret: dev.secret, subgraph: 'coupons' });
    if (!verified.ok) throw new Error(`the working copy could not verify the identity: ${verified.reason}`);
    expect(verified.claims).toMatchObject({ sg: 'coupons', mid: 'acme', app: APPS.acme, oid: kim.openId });
    // Nothing else about her: no platform user id, no UnionID, no other merchant's OpenID.
    expect(Object.keys(verified.claims!).sort()).toEqual(['app', 'exp', 'iat', 'mid', 'oid', 'psu', 'sg', 'v']);
  });
});

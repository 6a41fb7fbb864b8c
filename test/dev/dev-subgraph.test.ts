/**
 * `npm run dev:subgraph` as a real process: the whole platform plus a foreign subgraph (plain
 * `@apollo/subgraph`, no kit) owned by a merchant given on the command line. The foreign subgraph
 * receives the viewer's simulated OpenID in that merchant's app, signed so that the platform's verifier
 * accepts it with the secret the dev loop printed; a changed SDL is recomposed, and one that does not
 * compose is reported while the gateway keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIdentity } from '@identity-federation-gateway/subgraph-kit';
import { startDevSubgraph, type DevSubgraphProcess } from '../support/dev-subgraph-process.js';
import { startForeignSubgraph, type ForeignSubgraph } from '../support/foreign-subgraph.js';
import { APPS } from '../support/fixtures.js';

const TEASHOP_APP = 'wx6000000000000001';
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const MENU = { Query: { teaMenu: () => ['oolong', 'pu-erh'] } };

let foreign: ForeignSubgraph;
let dev: DevSubgraphProcess;

beforeAll(async () => {
  foreign = await startForeignSubgraph(`${LINK}\ntype Query { teaMenu: [String!]! }`, MENU);
  dev = await startDevSubgraph(['--name', 'teashop', '--url', foreign.url, '--merchant', 'teashop', '--app-id', TEASHOP_APP, '--poll-ms', '200']);
  expect(dev.secretEnv).toBe('TEASHOP_SUBGRAPH_SECRET');
}, 160_000);

afterAll(async () => {
  await dev?.stop();
  await foreign?.close();
}, 30_000);

describe('npm run dev:subgraph', () => {
  it('injects the viewer’s simulated OpenID in the merchant’s app into the foreign subgraph, verifiable with the printed secret', async () => {
    const token = await dev.login(APPS.platform, 'alice');
    await dev.login(TEASHOP_APP, 'alice'); // alice opens the teashop mini-program: linked by UnionID
    const before = foreign.received.length;
    expect(await dev.graphql('{ teaMenu }', undefined, token)).toEqual({ data: { teaMenu: ['oolong', 'pu-erh'] } });

    const request = foreign.received.slice(before).find((r) => r.body.includes('teaMenu'))!;
    const verified = verifyIdentity({ method: request.method, headers: request.headers, rawBody: request.body, secret: dev.secret, subgraph: 'teashop' });
    const simulated = (await (await fetch(`${dev.simulatorUrl}/sim/identity?appId=${TEASHOP_APP}&user=alice`)).json()) as { openId: string };
    expect(simulated.openId).toMatch(/^\S{8,}$/);
    expect(verified).toEqual({ ok: true, claims: expect.objectContaining({ sg: 'teashop', mid: 'teashop', app: TEASHOP_APP, oid: simulated.openId }) });
    // Signed with that secret and no other.
    expect(verifyIdentity({ method: request.method, headers: request.headers, rawBody: request.body, secret: `${dev.secret}x`, subgraph: 'teashop' }).ok).toBe(
      false,
    );
  });

  it('recomposes when the foreign SDL changes, and reports an SDL that does not compose while the gateway keeps serving', async () => {
    foreign.setSchema(`${LINK}\ntype Query { teaMenu: [String!]! teaOfTheDay: String }`, { Query: { ...MENU.Query, teaOfTheDay: () => 'longjing' } });
    await dev.eventually(async () => (await dev.graphql('{ teaOfTheDay }')).data?.teaOfTheDay === 'longjing', 'the new field answers through the gateway');

    foreign.setSchema(`${LINK}\ntype Query { teaOfTheDay: String }\ntype User @key(fields: "id") { id: Int! }`, { Query: { teaOfTheDay: () => 'longjing' } });
    await dev.eventually(() => dev.output.some((line) => line.includes('FIELD_TYPE_MISMATCH')), 'the composition error is printed');
    expect(dev.output.join('\n')).toContain('"teashop" does not compose with the platform; the gateway keeps the last supergraph');
    expect(dev.process.exitCode).toBeNull();
    expect(await dev.graphql('{ teaOfTheDay }')).toEqual({ data: { teaOfTheDay: 'longjing' } });
  });
});

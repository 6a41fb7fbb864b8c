/**
 * A viewer's encoded claims are reused for a few seconds, never past a change: a new viewer, new
 * identities (a link, an unlink, a consent) or CLAIMS_REUSE_SECONDS re-encode them; every fetch is
 * signed afresh over its own body.
 */
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildGatewayContext, type GatewayContext } from '../../gateway/gateway-context.js';
import type { MerchantIdentities } from '../../gateway/identity-directory.js';
import { SessionViewers } from '../../gateway/session-viewers.js';
import { SubgraphDataSource } from '../../gateway/subgraph-data-source.js';
import { CLAIMS_REUSE_SECONDS, SubgraphIdentity } from '../../gateway/subgraph-identity.js';
import type { SubgraphAnswer, SubgraphTransport } from '../../gateway/subgraph-transport.js';
import type { Viewer } from '../../gateway/viewer.js';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { IDENTITY_HEADER, peekClaims, verifyIdentity } from '@identity-federation-gateway/subgraph-kit';
import { APPS, demoConfig } from '../support/fixtures.js';

const SECRET = 'claims-reuse-test-secret-of-sufficient-length';
const sent: { headers: Record<string, string>; body: string }[] = [];
const transport = {
  post: async (_url: string, headers: Record<string, string>, body: string): Promise<SubgraphAnswer> => {
    sent.push({ headers, body });
    return { status: 200, headers: {}, body: '{"data":{"_entities":[]}}' };
  },
} as unknown as SubgraphTransport;

let identities: MerchantIdentities = new Map([['acme', { appId: APPS.acme, openId: 'oACME_FIRST', consented: true }]]);
const directory = { merchantIdentities: async () => new Map(), peek: () => identities };
const source = new SubgraphDataSource(
  'coupons',
  'http://127.0.0.1:1/graphql',
  {
    identity: new SubgraphIdentity('coupons', { platform: indexPlatform(demoConfig), secret: SECRET }),
    sessions: new SessionViewers(async () => undefined, directory),
    reportsSessions: false,
  },
  transport,
);
const viewer: Viewer = { userId: 'user-1', appId: APPS.platform, sessionId: 's1' };

/** One fetch as the gateway's executor makes it; returns the claims it carried, checked like the subgraph checks them. */
async function fetchAs(who: Viewer, id: string) {
  const context = buildGatewayContext(`req-${sent.length}`, who, directory);
  const variables = { representations: [{ __typename: 'User', id }] };
  const query = 'query($representations:[_Any!]!){_entities(representations:$representations){...on User{coupons{id}}}}';
  await source.process({
    kind: 'incoming operation',
    request: { query, variables, http: { method: 'POST', url: '', headers: new Map() } },
    context,
    incomingRequestContext: { overallCachePolicy: { restrict() {} } },
    pathInIncomingRequest: ['me'],
    document: undefined,
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>);
  const { headers, body } = sent.at(-1)!;
  const verified = verifyIdentity({ method: 'POST', headers, rawBody: Buffer.from(body), secret: SECRET, subgraph: 'coupons' });
  expect(verified.ok).toBe(true);
  return { claims: peekClaims(headers[IDENTITY_HEADER]!), header: headers[IDENTITY_HEADER]! };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-01T10:00:00.000Z'));
});
afterEach(() => vi.useRealTimers());

describe('encoded claims reuse', () => {
  it(`reuses one encoding for ${CLAIMS_REUSE_SECONDS} s, signs each body afresh, then re-encodes`, async () => {
    const first = await fetchAs(viewer, 'user-1');
    const issuedAt = first.claims.iat;
    expect(first.claims.oid).toBe('oACME_FIRST');
    vi.setSystemTime(Date.now() + (CLAIMS_REUSE_SECONDS - 1) * 1000);
    const later = await fetchAs(viewer, 'user-1');
    expect(later.claims.iat).toBe(issuedAt);
    // Another body, the same claims: a signature of its own.
    const other = await fetchAs(viewer, 'user-2');
    expect(other.claims.iat).toBe(issuedAt);
    expect(other.header).not.toBe(later.header);
    vi.setSystemTime(Date.now() + 1000);
    const renewed = await fetchAs(viewer, 'user-1');
    expect(renewed.claims.iat).toBe(issuedAt + CLAIMS_REUSE_SECONDS);
    expect(renewed.claims.exp - renewed.claims.iat).toBe(30);
  });

  it('re-encodes at once when the identities change (an unlink), and never shares claims across viewers', async () => {
    const before = await fetchAs(viewer, 'user-1');
    expect(before.claims.oid).toBe('oACME_FIRST');
    identities = new Map();
    const unlinked = await fetchAs(viewer, 'user-1');
    expect(unlinked.claims.oid).toBeUndefined();
    expect(unlinked.claims.iat).toBe(before.claims.iat);

    identities = new Map([['acme', { appId: APPS.acme, openId: 'oACME_OTHER', consented: true }]]);
    const someoneElse = await fetchAs({ userId: 'user-2', appId: APPS.platform, sessionId: 's2' }, 'user-2');
    expect(someoneElse.claims.oid).toBe('oACME_OTHER');
    expect(someoneElse.claims.psu).not.toBe(before.claims.psu);
  });
});

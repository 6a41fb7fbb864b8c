/**
 * NODE_ENV=production: no introspection unless switched on, no schema hints in validation errors, no
 * landing page (in any mode: nothing loads from a CDN), masked internals, and development settings refused.
 */
import { composeServices } from '@apollo/composition';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';
import { startGateway } from '../../gateway/gateway-server.js';
import { readEnvironment } from '../../platform/env.js';
import type { RunningHttpServer } from '@identity-federation-gateway/subgraph-kit';
import { createLogger } from '../../platform/logger.js';
import { refuseDevelopmentSettings } from '../../platform/process/production-guard.js';
import { DEMO_CONFIG_PATH, demoConfig, demoSecrets } from '../support/fixtures.js';

const closers: (() => Promise<void>)[] = [];
let supergraph: string;
let development: RunningHttpServer;
let production: RunningHttpServer;

beforeAll(async () => {
  const urls: Record<string, string> = {};
  for (const s of SYNTHETIC_SUBGRAPHS) {
    const server = await startLeanSubgraph(s.typeDefs, s.resolvers);
    urls[s.name] = server.url;
    closers.push(server.close);
  }
  supergraph = composeServices(SYNTHETIC_SUBGRAPHS.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name]! }))).supergraphSdl!;
  development = await startGateway({ supergraphSdl: supergraph, logger: createLogger('dev', 'silent') });
  production = await startGateway({ supergraphSdl: supergraph, logger: createLogger('prod', 'silent'), production: true });
  closers.push(development.close, production.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const ask = async (gateway: RunningHttpServer, query: string) => {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, text: await response.text() };
};
const INTROSPECTION = '{ __schema { queryType { name } } }';

describe('production mode', () => {
  it('refuses introspection unless it is switched on', async () => {
    expect((await ask(development, INTROSPECTION)).text).toContain('"queryType":{"name":"Query"}');
    const refused = await ask(production, INTROSPECTION);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('GRAPHQL_VALIDATION_FAILED');
    // The message names the setting to change, not an Apollo option.
    expect(refused.text).toContain('GRAPHQL_INTROSPECTION');
    expect(refused.text).not.toContain('ApolloServer');
    const switchedOn = await startGateway({ supergraphSdl: supergraph, logger: createLogger('prod', 'silent'), production: true, introspection: true });
    try {
      expect((await ask(switchedOn, INTROSPECTION)).text).toContain('"queryType":{"name":"Query"}');
    } finally {
      await switchedOn.close();
    }
  });

  it('says once, at start-up, that a production gateway runs any document while free text is allowed', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').trim().split('\n')));
    const quiet = await startGateway({ supergraphSdl: supergraph, logger: createLogger('prod', 'info', stream), production: true, explorer: false });
    const only = await startGateway({
      supergraphSdl: supergraph,
      logger: createLogger('prod', 'info', stream),
      production: true,
      persistedDocuments: { manifest: new Map(), only: true },
    });
    await Promise.all([quiet.close(), only.close()]);
    const warnings = lines.filter((line) => line.includes('runs any document clients send'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, persistedDocuments: 0 });
    expect(warnings[0]).toContain('PERSISTED_DOCUMENTS_ONLY=true');
  });

  it('serves /metrics on a listener of its own, not on the public port, with metricsListener (METRICS_PORT)', async () => {
    const gateway = await startGateway({ supergraphSdl: supergraph, logger: createLogger('prod', 'silent'), metricsListener: { host: '127.0.0.1', port: 0 } });
    try {
      expect((await fetch(gateway.url.replace('/graphql', '/metrics'))).status).toBe(404);
      const metrics = await fetch(`${gateway.metricsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('gateway_requests_total');
      expect((await fetch(`${gateway.metricsUrl}/graphql`)).status).toBe(404);
      expect(new URL(gateway.metricsUrl!).hostname).toBe('127.0.0.1');
    } finally {
      await gateway.close();
    }
    // Without it, /metrics is on the public port, as before.
    expect((await fetch(development.url.replace('/graphql', '/metrics'))).status).toBe(200);
  });

  it('leaves "Did you mean" suggestions out of validation errors', async () => {
    expect((await ask(development, '{ user { id } }')).text).toContain('Did you mean');
    const answer = await ask(production, '{ user { id } }');
    expect(answer.text).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(answer.text).not.toContain('Did you mean');
  });

  it('shows a browser opening the endpoint the explorer in development, served whole by the gateway (no CDN), and nothing in production', async () => {
    const explorer = await fetch(development.url, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(explorer.headers.get('content-type')).toContain('text/html');
    const html = await explorer.text();
    expect(html).toContain('GraphiQL.createFetcher({ url: "/graphql" })');
    expect(html).not.toMatch(/https?:\/\//);
    // A GraphQL request by GET is answered as one, whatever the browser accepts.
    const query = await fetch(`${development.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'text/html' } });
    expect(query.headers.get('content-type')).not.toContain('text/html');
    const page = await fetch(production.url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).not.toContain('text/html');
    expect(await page.text()).not.toMatch(/https?:\/\/|<script/i);
  });

  it('reports a failing subgraph without its URL or a stack', async () => {
    const broken = await startGateway({
      supergraphSdl: supergraph,
      subgraphUrls: Object.fromEntries(SYNTHETIC_SUBGRAPHS.map((s) => [s.name, 'http://127.0.0.1:9/graphql'])),
      logger: createLogger('prod', 'silent'),
      production: true,
    });
    try {
      const answer = await ask(broken, '{ topProducts { upc } }');
      // An unreachable subgraph is named (SUBGRAPH_UNAVAILABLE), never located.
      expect(answer.text).toContain('SUBGRAPH_UNAVAILABLE');
      expect(answer.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack|at .*\.js/);
    } finally {
      await broken.close();
    }
  });

  it('refuses the demo platform config and development secrets', () => {
    const secrets = demoSecrets();
    const env = (extra: Record<string, string>) => readEnvironment({ ...extra });
    expect(() => refuseDevelopmentSettings(env({ NODE_ENV: 'production', ...secrets }), demoConfig)).toThrow(/PLATFORM_CONFIG/);
    const explicit = { NODE_ENV: 'production', PLATFORM_CONFIG: DEMO_CONFIG_PATH };
    expect(() => refuseDevelopmentSettings(env({ ...explicit, ...secrets }), demoConfig)).toThrow(/COUPONS_SUBGRAPH_SECRET.*development secrets/);
    const real = Object.fromEntries(Object.keys(secrets).map((name) => [name, secrets[name]!.replace(/^DEVONLY/, 'prod123')]));
    expect(() => refuseDevelopmentSettings(env({ ...explicit, ...real }), demoConfig)).not.toThrow();
    expect(() => refuseDevelopmentSettings(env({ NODE_ENV: 'development', ...secrets }), demoConfig)).not.toThrow();
  });
});

describe('the offline explorer', () => {
  const origin = (gateway: RunningHttpServer) => gateway.url.replace(/\/graphql$/, '');

  it('serves GraphiQL in development with every script and style from the gateway itself', async () => {
    const page = await fetch(`${origin(development)}/explorer`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(4);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/explorer\/[a-z.-]+\.(js|css)$/);
      const answer = await fetch(`${origin(development)}${asset}`);
      expect(answer.status, asset).toBe(200);
      const text = await answer.text();
      expect(text.length, asset).toBeGreaterThan(1000);
      // What a browser would fetch from elsewhere: a stylesheet url() or @import that is not inline data.
      if (asset.endsWith('.css')) expect(text, asset).not.toMatch(/url\(\s*['"]?(?!data:)[a-z]+:|@import/i);
    }
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('GraphiQL.createFetcher({ url: "/graphql" })');
  });

  it('is off in production unless switched on', async () => {
    expect((await fetch(`${origin(production)}/explorer`)).status).toBe(404);
    const switchedOn = await startGateway({ supergraphSdl: supergraph, logger: createLogger('prod', 'silent'), production: true, explorer: true });
    try {
      expect((await fetch(`${origin(switchedOn)}/explorer`)).status).toBe(200);
    } finally {
      await switchedOn.close();
    }
  });
});

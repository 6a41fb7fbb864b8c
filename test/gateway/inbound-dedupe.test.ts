/** Which client requests may share one execution: the merge key, as plain functions, and the GATEWAY_DEDUPE switch. */
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { composeServices } from '@apollo/composition';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';
import { startGateway } from '../../gateway/gateway-server.js';
import { createInboundDedupe, type InboundDedupeOptions } from '../../gateway/inbound-dedupe.js';
import { PersistedDocuments } from '../../gateway/persisted-documents.js';
import type { GraphQLHttpRequest } from '../../subgraphs/kit/index.js';
import { createLogger } from '../../platform/logger.js';

const request = (body: Record<string, unknown>, headers: Record<string, string> = {}): GraphQLHttpRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
  rawBody: JSON.stringify(body),
  requestId: 'test-request',
  remoteAddress: '127.0.0.1',
  search: '',
});

const get = (params: Record<string, string>, headers: Record<string, string> = {}): GraphQLHttpRequest => ({
  method: 'GET',
  headers,
  body: undefined,
  rawBody: undefined,
  requestId: 'test-request',
  remoteAddress: '127.0.0.1',
  search: `?${new URLSearchParams(params).toString()}`,
});

/** Runs two requests at once; returns how many executions they took. */
async function executionsFor(
  first: GraphQLHttpRequest,
  second: GraphQLHttpRequest,
  kind: 'complete' | 'chunked' = 'complete',
  options: InboundDedupeOptions = {},
): Promise<number> {
  const dedupe = createInboundDedupe(options);
  let executions = 0;
  const execute = async (): Promise<HTTPGraphQLResponse> => {
    executions++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const headers = new HeaderMap([['content-type', 'application/json']]);
    if (kind === 'complete') return { status: 200, headers, body: { kind, string: `{"data":{"n":${executions}}}` } };
    return { status: 200, headers, body: { kind, asyncIterator: (async function* () {})() } };
  };
  await Promise.all([dedupe.run(first, execute), dedupe.run(second, execute)]);
  return executions;
}

describe('inbound request merging', () => {
  const query = { query: 'query Q { a }' };

  it('merges exactly identical queries, giving each its own copy of the answer', async () => {
    const dedupe = createInboundDedupe();
    const execute = async (): Promise<HTTPGraphQLResponse> => ({ status: 200, headers: new HeaderMap([['x', '1']]), body: { kind: 'complete', string: '{}' } });
    const [a, b] = await Promise.all([dedupe.run(request(query), execute), dedupe.run(request(query), execute)]);
    expect(dedupe.merged).toBe(1);
    expect(a.headers).not.toBe(b.headers);
    expect(b.body).toEqual({ kind: 'complete', string: '{}' });
  });

  it('keeps apart what differs in body, token, content negotiation or CSRF headers', async () => {
    expect(await executionsFor(request(query), request({ query: 'query Q { a  }' }))).toBe(2);
    expect(await executionsFor(request(query), request({ ...query, variables: { x: 1 } }))).toBe(2);
    expect(await executionsFor(request(query, { authorization: 'Bearer a' }), request(query, { authorization: 'Bearer b' }))).toBe(2);
    expect(await executionsFor(request(query), request(query, { authorization: 'Bearer a' }))).toBe(2);
    expect(await executionsFor(request(query), request(query, { accept: 'application/graphql-response+json' }))).toBe(2);
    expect(await executionsFor(request(query), request(query, { 'apollo-require-preflight': 'true' }))).toBe(2);
    // Headers the answer does not depend on do not prevent merging.
    expect(await executionsFor(request(query, { 'x-request-id': 'one' }), request(query, { 'x-request-id': 'two' }))).toBe(1);
  });

  it('never merges mutations, subscriptions, @defer, unparsable documents or an unknown operation', async () => {
    for (const body of [
      { query: 'mutation M { a }' },
      { query: 'subscription S { a }' },
      { query: 'query Q { ... @defer { a } }' },
      { query: 'query Q { a ' },
      { query: 'query Q { a } mutation M { a }', operationName: 'M' },
      { query: 'query Q { a } query R { a }' },
      { query: 'query Q { a }', operationName: 7 },
    ]) {
      expect(await executionsFor(request(body), request(body)), JSON.stringify(body)).toBe(2);
    }
    const named = { query: 'query Q { a } mutation M { a }', operationName: 'Q' };
    expect(await executionsFor(request(named), request(named))).toBe(1);
  });

  it('merges GET queries under the same rules: identical ones, the same viewer only, never a mutation', async () => {
    const q = { query: 'query Q { a }' };
    expect(await executionsFor(get(q), get(q))).toBe(1);
    expect(await executionsFor(get(q, { authorization: 'Bearer a' }), get(q, { authorization: 'Bearer a' }))).toBe(1);
    expect(await executionsFor(get(q, { authorization: 'Bearer a' }), get(q, { authorization: 'Bearer b' }))).toBe(2);
    expect(await executionsFor(get(q), get(q, { authorization: 'Bearer a' }))).toBe(2);
    expect(await executionsFor(get(q), get({ ...q, variables: '{"x":1}' }))).toBe(2);
    expect(await executionsFor(get({ query: 'mutation M { a }' }), get({ query: 'mutation M { a }' }))).toBe(2);
    const twoOperations = 'query Q { a } mutation M { a }';
    expect(await executionsFor(get({ query: twoOperations, operationName: 'M' }), get({ query: twoOperations, operationName: 'M' }))).toBe(2);
    expect(await executionsFor(get({ query: twoOperations, operationName: 'Q' }), get({ query: twoOperations, operationName: 'Q' }))).toBe(1);
    // A GET and a POST of the same query are different requests (different answers to content negotiation, CSRF).
    expect(await executionsFor(get(q), request(q))).toBe(2);
  });

  it('merges requests naming a known document by hash (documentId, APQ) by the kind of the document they run', async () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const queryText = 'query Q { a }';
    const mutationText = 'mutation M { a }';
    const persisted = new PersistedDocuments({
      manifest: new Map([
        [sha(queryText), queryText],
        [sha(mutationText), mutationText],
      ]),
      only: false,
    });
    const options: InboundDedupeOptions = { documentOf: (req) => persisted.peek(req) };
    const byId = (text: string) => ({ documentId: `sha256:${sha(text)}` });
    const byApq = (text: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(text) } } });
    for (const body of [byId(queryText), byApq(queryText)]) {
      expect(await executionsFor(request(body), request(body), 'complete', options), JSON.stringify(body)).toBe(1);
      const [alice, bob] = [{ authorization: 'Bearer alice' }, { authorization: 'Bearer bob' }];
      expect(await executionsFor(request(body, alice), request(body, alice), 'complete', options)).toBe(1);
      expect(await executionsFor(request(body, alice), request(body, bob), 'complete', options)).toBe(2);
    }
    for (const body of [byId(mutationText), byApq(mutationText), byId('query Unknown { a }'), byApq('query Unknown { a }')]) {
      expect(await executionsFor(request(body), request(body), 'complete', options), JSON.stringify(body)).toBe(2);
    }
    const getById = { documentId: `sha256:${sha(queryText)}` };
    expect(await executionsFor(get(getById), get(getById), 'complete', options)).toBe(1);
    const getMutation = { documentId: `sha256:${sha(mutationText)}` };
    expect(await executionsFor(get(getMutation), get(getMutation), 'complete', options)).toBe(2);
    // A hash the gateway knows wins over the text sent with it, as when it runs: a mutation's hash never merges.
    const disguised = { query: queryText, documentId: `sha256:${sha(mutationText)}` };
    expect(await executionsFor(request(disguised), request(disguised), 'complete', options)).toBe(2);
  });

  it('runs a request on its own when the answer it would share is streamed', async () => {
    expect(await executionsFor(request(query), request(query), 'chunked')).toBe(2);
  });

  it('is off with GATEWAY_DEDUPE=false (dedupe: false): identical concurrent requests each execute', async () => {
    const products = SYNTHETIC_SUBGRAPHS.find((s) => s.name === 'products')!;
    const subgraph = await startLeanSubgraph(products.typeDefs, products.resolvers);
    const composed = composeServices([{ name: 'products', typeDefs: products.typeDefs, url: subgraph.url }]);
    const logger = createLogger('dedupe', 'silent');
    const mergedWith = async (dedupe: boolean) => {
      const gateway = await startGateway({ supergraphSdl: composed.supergraphSdl!, logger, dedupe });
      const body = JSON.stringify({ query: '{ topProducts { upc } }' });
      await Promise.all(Array.from({ length: 20 }, () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })));
      const metrics = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
      await gateway.close();
      return Number(/^gateway_requests_merged_total (\d+)$/m.exec(metrics)?.[1]);
    };
    expect(await mergedWith(false)).toBe(0);
    expect(await mergedWith(true)).toBeGreaterThan(0);
    await subgraph.close();
  });
});

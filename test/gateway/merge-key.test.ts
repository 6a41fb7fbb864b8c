/**
 * Which client requests may share one execution: the real pipeline steps (decode, persisted documents,
 * parse, viewer admission, merging) in front of an execution that counts, and the GATEWAY_DEDUPE switch.
 */
import { composeServices } from '@apollo/composition';
import { HeaderMap } from '@apollo/server';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';
import { decodeRequest } from '../../gateway/features/decode-request.js';
import { parseDocument } from '../../gateway/features/parse-document.js';
import { persistedDocuments } from '../../gateway/features/persisted-documents.js';
import { requestMerging } from '../../gateway/features/request-merging.js';
import { viewerAdmission } from '../../gateway/features/viewer-admission.js';
import { startGateway } from '../../gateway/gateway-server.js';
import { DocumentCache } from '../../gateway/pipeline/document-cache.js';
import { createPipeline } from '../../gateway/pipeline/pipeline.js';
import type { ViewerVerifier } from '../../gateway/viewer.js';
import { createLogger } from '../../platform/logger.js';
import type { GraphQLHttpRequest } from '@identity-federation-gateway/subgraph-kit';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const QUERY_TEXT = 'query Q { a }';
const MUTATION_TEXT = 'mutation M { a }';

const post = (body: Record<string, unknown>, headers: Record<string, string> = {}): GraphQLHttpRequest => ({
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

/** "Bearer <name>" is viewer <name>; "Bearer <name>/<session>" a second session of theirs. */
const verify: ViewerVerifier = async (authorization) => {
  if (!authorization) return undefined;
  const [userId, session = '1'] = authorization.slice('Bearer '.length).split('/');
  return { userId: userId!, appId: 'app', sessionId: `${userId}-${session}` };
};

/** Runs two requests at once through the pipeline; returns how many executions they took. */
async function executionsFor(first: GraphQLHttpRequest, second: GraphQLHttpRequest, kind: 'complete' | 'chunked' = 'complete'): Promise<number> {
  const documents = new DocumentCache();
  const manifest = new Map([QUERY_TEXT, MUTATION_TEXT].map((text) => [sha(text), text]));
  const merging = requestMerging();
  let executions = 0;
  const pipeline = createPipeline(
    [decodeRequest(), persistedDocuments({ manifest, only: false }), parseDocument(documents, 1000), viewerAdmission(verify), merging.feature],
    {
      needs: [],
      run: async () => {
        executions++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        const headers = new HeaderMap([['content-type', 'application/json']]);
        if (kind === 'complete') return { status: 200, headers, body: { kind, string: `{"data":{"n":${executions}}}` } };
        return { status: 200, headers, body: { kind, asyncIterator: (async function* () {})() } };
      },
    },
  );
  await Promise.all([pipeline(first), pipeline(second)]);
  expect(merging.stats.merged).toBe(executions === 0 ? 0 : 2 - executions);
  return executions;
}

describe('the merge key', () => {
  const query = { query: QUERY_TEXT };

  it('merges exactly identical queries, giving each its own copy of the answer', async () => {
    const merging = requestMerging();
    const pipeline = createPipeline(
      [
        decodeRequest(),
        persistedDocuments({ manifest: new Map(), only: false }),
        parseDocument(new DocumentCache(), 1000),
        viewerAdmission(undefined),
        merging.feature,
      ],
      {
        needs: [],
        run: async () => ({ status: 200, headers: new HeaderMap([['x', '1']]), body: { kind: 'complete', string: '{}' } }),
      },
    );
    const [a, b] = await Promise.all([pipeline(post(query)), pipeline(post(query))]);
    expect(merging.stats.merged).toBe(1);
    expect(a.headers).not.toBe(b.headers);
    expect(b.body).toEqual({ kind: 'complete', string: '{}' });
  });

  it('keeps apart what differs in document, variables, viewer, session, content negotiation or CSRF headers', async () => {
    expect(await executionsFor(post(query), post({ query: 'query Q { a  }' }))).toBe(2);
    expect(await executionsFor(post(query), post({ ...query, variables: { x: 1 } }))).toBe(2);
    expect(await executionsFor(post({ ...query, variables: { x: 1 } }), post({ ...query, variables: { x: 2 } }))).toBe(2);
    expect(await executionsFor(post(query, { authorization: 'Bearer a' }), post(query, { authorization: 'Bearer b' }))).toBe(2);
    expect(await executionsFor(post(query, { authorization: 'Bearer a' }), post(query, { authorization: 'Bearer a/2' }))).toBe(2);
    expect(await executionsFor(post(query), post(query, { authorization: 'Bearer a' }))).toBe(2);
    expect(await executionsFor(post(query), post(query, { accept: 'application/graphql-response+json' }))).toBe(2);
    expect(await executionsFor(post(query), post(query, { 'apollo-require-preflight': 'true' }))).toBe(2);
    // Headers the answer does not depend on do not prevent merging, nor does how the viewer spells "Bearer".
    expect(await executionsFor(post(query, { 'x-request-id': 'one' }), post(query, { 'x-request-id': 'two' }))).toBe(1);
    expect(await executionsFor(post(query, { authorization: 'Bearer a' }), post(query, { authorization: 'Bearer a' }))).toBe(1);
  });

  it('never merges mutations, subscriptions or @defer; requests the pipeline refused never execute at all', async () => {
    for (const [body, executions] of [
      [{ query: MUTATION_TEXT }, 2],
      [{ query: 'subscription S { a }' }, 2],
      [{ query: 'query Q { ... @defer { a } }' }, 2],
      [{ query: 'query Q { a } mutation M { a }', operationName: 'M' }, 2],
      [{ query: 'query Q { a } mutation M { a }', operationName: 'Q' }, 1],
      [{ query: 'query Q { a ' }, 0],
      [{ query: 'query Q { a } query R { a }' }, 0],
      [{ query: QUERY_TEXT, operationName: 7 }, 0],
    ] as const) {
      expect(await executionsFor(post(body), post(body)), JSON.stringify(body)).toBe(executions);
    }
  });

  it('merges GET queries under the same rules: identical ones, the same viewer only, never a GET and a POST', async () => {
    expect(await executionsFor(get(query), get(query))).toBe(1);
    expect(await executionsFor(get(query, { authorization: 'Bearer a' }), get(query, { authorization: 'Bearer a' }))).toBe(1);
    expect(await executionsFor(get(query, { authorization: 'Bearer a' }), get(query, { authorization: 'Bearer b' }))).toBe(2);
    expect(await executionsFor(get(query), get(query, { authorization: 'Bearer a' }))).toBe(2);
    expect(await executionsFor(get(query), get({ ...query, variables: '{"x":1}' }))).toBe(2);
    const twoOperations = 'query Q { a } mutation M { a }';
    expect(await executionsFor(get({ query: twoOperations, operationName: 'Q' }), get({ query: twoOperations, operationName: 'Q' }))).toBe(1);
    expect(await executionsFor(get(query), post(query))).toBe(2);
  });

  it('keys on the document that runs: text and its hash merge, a known mutation hash never does', async () => {
    const byId = (text: string) => ({ documentId: `sha256:${sha(text)}` });
    const byApq = (text: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(text) } } });
    expect(await executionsFor(post(byId(QUERY_TEXT)), post(byApq(QUERY_TEXT)))).toBe(1);
    expect(await executionsFor(post(byId(QUERY_TEXT)), post(query))).toBe(1);
    expect(await executionsFor(post(byId(QUERY_TEXT), { authorization: 'Bearer a' }), post(byId(QUERY_TEXT), { authorization: 'Bearer b' }))).toBe(2);
    expect(await executionsFor(post(byId(MUTATION_TEXT)), post(byId(MUTATION_TEXT)))).toBe(2);
    expect(await executionsFor(get(byId(QUERY_TEXT)), get(byId(QUERY_TEXT)))).toBe(1);
    // A hash and text that disagree are refused before anything could merge or run.
    const disguised = { query: QUERY_TEXT, documentId: `sha256:${sha(MUTATION_TEXT)}` };
    expect(await executionsFor(post(disguised), post(disguised))).toBe(0);
  });

  it('runs a request on its own when the answer it would share is streamed', async () => {
    expect(await executionsFor(post(query), post(query), 'chunked')).toBe(2);
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

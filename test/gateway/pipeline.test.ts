/**
 * The pipeline's own rules, on features made up for the purpose: the order check at start-up, admission
 * in list order, `respond` in reverse for every feature reached (refused requests too), `around` running
 * the rest, and refusals answered as GraphQL responses in the media type the client prefers.
 */
import { HeaderMap } from '@apollo/server';
import { describe, expect, it } from 'vitest';
import { defineFeature, type GatewayFeature } from '../../gateway/pipeline/feature.js';
import type { GatewayResponse } from '../../gateway/pipeline/gateway-request.js';
import { createPipeline, PipelineOrderError } from '../../gateway/pipeline/pipeline.js';
import { GraphQLRefusal } from '../../gateway/pipeline/refusal.js';
import { HttpError, type GraphQLHttpRequest } from '@identity-federation-gateway/subgraph-kit';

const http = (headers: Record<string, string> = {}): GraphQLHttpRequest => ({
  method: 'POST',
  headers,
  body: {},
  rawBody: '{}',
  search: '',
  requestId: 'r',
  remoteAddress: '127.0.0.1',
});
const answer = (text: string): GatewayResponse => ({ status: 200, headers: new HeaderMap(), body: { kind: 'complete', string: text } });
const execution = { needs: [] as never[], run: async () => answer('executed') };

/** A feature that records its hooks in `log`, optionally refusing or waiting when admitting. */
function recorder(name: string, log: string[], admit?: () => void | Promise<void>): GatewayFeature {
  return defineFeature({
    name,
    admit: () => {
      log.push(`admit ${name}`);
      return admit?.();
    },
    respond: (_request, response) => void log.push(`respond ${name} ${response.status}`),
  });
}

describe('the request pipeline', () => {
  it('refuses to be built when a feature needs a stage no earlier feature provides, or a feature is listed twice', () => {
    const needsDocument = defineFeature({ name: 'needs-document', needs: ['document'] });
    const providesDocument = defineFeature({ name: 'provides-document', provides: ['document'] });
    expect(() => createPipeline([needsDocument, providesDocument], execution)).toThrow(PipelineOrderError);
    expect(() => createPipeline([needsDocument, providesDocument], execution)).toThrow('"needs-document" needs "document"');
    expect(() => createPipeline([providesDocument, needsDocument], execution)).not.toThrow();
    expect(() => createPipeline([providesDocument, providesDocument], execution)).toThrow('listed twice');
    expect(() => createPipeline([], { needs: ['viewer'], run: execution.run })).toThrow('execution needs "viewer"');
  });

  it('admits in list order, executes, then responds in reverse, awaiting only what must wait', async () => {
    const log: string[] = [];
    const pipeline = createPipeline([recorder('a', log), recorder('b', log, () => new Promise((resolve) => setTimeout(resolve, 5))), recorder('c', log)], {
      needs: [],
      run: async () => (log.push('execute'), answer('done')),
    });
    const response = await pipeline(http());
    expect(response.body).toEqual({ kind: 'complete', string: 'done' });
    expect(log).toEqual(['admit a', 'admit b', 'admit c', 'execute', 'respond c 200', 'respond b 200', 'respond a 200']);
  });

  it('answers a refusal at once: nothing after the refusing step runs, and the steps reached see it as a response', async () => {
    const log: string[] = [];
    const pipeline = createPipeline(
      [
        recorder('a', log),
        recorder('b', log, () => {
          throw new HttpError(429, 'RATE_LIMITED', 'slow down', {}, { 'retry-after': '7' });
        }),
        recorder('c', log),
      ],
      { needs: [], run: async () => (log.push('execute'), answer('never')) },
    );
    const response = await pipeline(http({ accept: 'application/graphql-response+json' }));
    expect(log).toEqual(['admit a', 'admit b', 'respond b 429', 'respond a 429']);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(JSON.parse((response.body as { string: string }).string)).toEqual({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] });
  });

  it('lets an around run the rest or answer in its place; refusals after it reach it as responses', async () => {
    const log: string[] = [];
    let short = false;
    const around = defineFeature({
      name: 'around',
      around: async (request, next) => {
        log.push('around');
        if (short) return answer('instead');
        const response = await next(request);
        log.push(`around saw ${response.status}`);
        return response;
      },
    });
    const refusing = recorder('refusing', log, () => {
      throw new GraphQLRefusal(400, 'GRAPHQL_PARSE_FAILED', [{ message: 'Syntax Error', locations: [{ line: 1, column: 3 }] }]);
    });
    const pipeline = createPipeline([recorder('a', log), around, refusing], execution);
    const refused = await pipeline(http());
    expect(refused.status).toBe(400);
    expect(log).toEqual(['admit a', 'around', 'admit refusing', 'respond refusing 400', 'around saw 400', 'respond a 400']);
    expect(JSON.parse((refused.body as { string: string }).string).errors[0].locations).toEqual([{ line: 1, column: 3 }]);
    log.length = 0;
    short = true;
    expect((await pipeline(http())).body).toEqual({ kind: 'complete', string: 'instead' });
    expect(log).toEqual(['admit a', 'around', 'respond a 200']);
  });

  it('lets anything but a refusal through as a failure of its own (the HTTP edge answers 500 and logs it)', async () => {
    const pipeline = createPipeline(
      [
        recorder('broken', [], () => {
          throw new TypeError('a bug');
        }),
      ],
      execution,
    );
    await expect(pipeline(http())).rejects.toThrow(TypeError);
  });
});

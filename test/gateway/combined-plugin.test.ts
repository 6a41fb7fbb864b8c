/**
 * The features' Apollo plugins run as one (gateway/pipeline/combined-plugin.ts): every hook of every
 * listener is still called, in the features' order, and a hook the combination does not carry is refused
 * rather than dropped.
 */
import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLRequestListener, GraphQLResponse } from '@apollo/server';
import { describe, expect, it } from 'vitest';
import { combinedPlugin, UnsupportedPluginHook } from '../../gateway/pipeline/combined-plugin.js';

type Context = { requestId: string };
const context = { contextValue: { requestId: 'r1' } } as unknown as GraphQLRequestContext<Context>;
const plugin = (listener: GraphQLRequestListener<Context>): ApolloServerPlugin<Context> => ({ requestDidStart: async () => listener });
const start = async (plugins: ApolloServerPlugin<Context>[]) => (await combinedPlugin(plugins).requestDidStart!(context)) as GraphQLRequestListener<Context>;
const response = (label: string) => ({ body: { kind: 'single', singleResult: { data: { label } } }, http: {} }) as unknown as GraphQLResponse;

describe('the combined Apollo plugin', () => {
  it("calls every listener's hooks in the features' order, and each listener's own requestDidStart once per request", async () => {
    const calls: string[] = [];
    let started = 0;
    const combined = await start([
      { requestDidStart: async () => void started++ },
      plugin({ didResolveOperation: async () => void calls.push('a:operation'), willSendResponse: async () => void calls.push('a:send') }),
      plugin({ willSendResponse: async () => void calls.push('b:send'), didEncounterErrors: async () => void calls.push('b:errors') }),
    ]);
    await combined.didResolveOperation!(context as never);
    await combined.willSendResponse!(context as never);
    await combined.didEncounterErrors!(context as never);
    expect(calls).toEqual(['a:operation', 'a:send', 'b:send', 'b:errors']);
    expect(started).toBe(1);
    // Hooks nobody has are absent, so Apollo has nothing to call.
    expect(combined.didResolveSource).toBeUndefined();
    expect(combined.responseForOperation).toBeUndefined();
  });

  it('answers responseForOperation with the first listener that answers, asking no later one', async () => {
    const asked: string[] = [];
    const combined = await start([
      plugin({ responseForOperation: async () => (asked.push('a'), null) }),
      plugin({ responseForOperation: async () => (asked.push('b'), response('b')) }),
      plugin({ responseForOperation: async () => (asked.push('c'), response('c')) }),
    ]);
    expect(await combined.responseForOperation!(context as never)).toEqual(response('b'));
    expect(asked).toEqual(['a', 'b']);
  });

  it('passes a failing hook on to Apollo', async () => {
    const combined = await start([
      plugin({ willSendResponse: async () => undefined }),
      plugin({ willSendResponse: async () => Promise.reject(new Error('boom')) }),
    ]);
    await expect(combined.willSendResponse!(context as never)).rejects.toThrow('boom');
  });

  it('refuses a plugin hook it does not carry at start-up, and a listener hook at the first request', async () => {
    expect(() => combinedPlugin<Context>([{ serverWillStart: async () => undefined }])).toThrow(UnsupportedPluginHook);
    const combined = combinedPlugin<Context>([plugin({ executionDidStart: async () => undefined })]);
    await expect(combined.requestDidStart!(context)).rejects.toThrow(/executionDidStart/);
  });
});

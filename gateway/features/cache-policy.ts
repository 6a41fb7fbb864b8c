/**
 * The cache headers the gateway answers with. Apollo Server computes `Cache-Control` from the subgraphs'
 * own `Cache-Control` headers (the narrowest wins) and writes `max-age=N, public|private`, or `no-store`
 * when nothing allows caching. This narrows it further:
 *
 * - an answer computed for a viewer (the request carried a verified access token) is at most `private`,
 *   whatever the subgraphs said: a shared cache must never hand one person's answer to another;
 * - a mutation's answer is never cacheable (`no-store`): it changed something, and a login's answer holds
 *   tokens;
 * - a `public` answer says `Vary: Accept, Authorization`, so a shared cache keeps it apart from answers
 *   negotiated differently and never serves it to a request carrying a token;
 * - refusals written by the pipeline carry no cache headers.
 */
import type { GraphQLRequestListener } from '@apollo/server';
import { Headers } from '../../platform/headers.js';
import type { GatewayContext } from '../gateway-context.js';
import { defineFeature } from '../pipeline/feature.js';

const VARY_FOR_PUBLIC = ['accept', 'authorization'];

export const cachePolicy = () => {
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ operation, overallCachePolicy }) {
      if (operation?.operation !== 'query') overallCachePolicy.restrict({ maxAge: 0 });
    },
  };
  return defineFeature({
    name: 'cache-policy',
    respond(_request, response) {
      const cacheControl = response.headers.get(Headers.cacheControl);
      if (cacheControl && /\bpublic\b/i.test(cacheControl)) {
        const vary = new Set((response.headers.get(Headers.vary) ?? '').split(',').map((name) => name.trim().toLowerCase()));
        for (const name of VARY_FOR_PUBLIC) vary.add(name);
        vary.delete('');
        response.headers.set(Headers.vary, [...vary].join(', '));
      }
    },
    apollo: {
      async requestDidStart({ contextValue, overallCachePolicy }) {
        if (contextValue.viewer) overallCachePolicy.restrict({ scope: 'PRIVATE' });
        return listener;
      },
    },
  });
};

/**
 * The supergraph as @apollo/gateway loads it: with the authorization features' links accepted
 * (platform/graphql/authorization-specs.ts), because this gateway enforces them itself before Apollo sees
 * a request (features/authorization.ts). For a supergraph that reloads, every SDL it hands the gateway.
 */
import type { SupergraphManager } from '@apollo/gateway';
import { withEnforcedAuthorization } from '../../platform/graphql/authorization-specs.js';

export function enforcedAuthorizationSource(source: string | SupergraphManager): string | SupergraphManager {
  if (typeof source === 'string') return withEnforcedAuthorization(source);
  return {
    initialize: async (hooks) => {
      const started = await source.initialize({ ...hooks, update: (sdl) => hooks.update(withEnforcedAuthorization(sdl)) });
      return { ...started, supergraphSdl: withEnforcedAuthorization(started.supergraphSdl) };
    },
  };
}

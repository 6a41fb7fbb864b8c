/** The gateway's typed per-request context: request id, viewer, and the viewer's identities loaded at most once. */
import type { IdentityDirectory, MerchantIdentities } from './identity-directory.js';
import { tracedLookup } from './spans.js';
import type { Viewer } from './viewer.js';

export interface GatewayContext {
  requestId: string;
  viewer: Viewer | undefined;
  /** The viewer's merchant identities; one store query per request however many subgraphs ask. */
  merchantIdentities(): Promise<MerchantIdentities | undefined>;
  /** The same, when already known without waiting (loaded earlier in this request, or cached). */
  cachedMerchantIdentities(): MerchantIdentities | undefined;
}

/** A directory that can answer from memory without I/O. */
export interface PeekableDirectory extends IdentityDirectory {
  peek?(userId: string): MerchantIdentities | undefined;
}

export function buildGatewayContext(requestId: string, viewer: Viewer | undefined, directory: PeekableDirectory | undefined): GatewayContext {
  // One lookup per request, shared by every subgraph fetch that needs it (the per-request loader).
  let loaded: MerchantIdentities | undefined;
  let loading: Promise<MerchantIdentities | undefined> | undefined;
  return {
    requestId,
    viewer,
    cachedMerchantIdentities: () => {
      if (!loaded && viewer && directory?.peek) loaded = directory.peek(viewer.userId);
      return loaded;
    },
    merchantIdentities: () => {
      if (!viewer || !directory) return Promise.resolve(undefined);
      loading ??= tracedLookup(() => directory.merchantIdentities([viewer.userId])).then((found) => (loaded = found.get(viewer.userId) ?? new Map()));
      return loading;
    },
  };
}

/** The gateway's typed per-request context: request id, viewer, and the viewer's identities loaded at most once. */
import DataLoader from 'dataloader';
import type { IdentityDirectory, MerchantIdentities } from './identity-directory.js';
import type { Viewer } from './viewer.js';

export interface GatewayContext {
  requestId: string;
  viewer: Viewer | undefined;
  /** The viewer's merchant identities; one store query per request however many subgraphs ask. */
  merchantIdentities(): Promise<MerchantIdentities | undefined>;
}

export function buildGatewayContext(requestId: string, viewer: Viewer | undefined, directory: IdentityDirectory | undefined): GatewayContext {
  const loader =
    viewer && directory
      ? new DataLoader<string, MerchantIdentities>(async (ids) => {
          const found = await directory.merchantIdentities(ids);
          return ids.map((id) => found.get(id) ?? new Map());
        })
      : undefined;
  return {
    requestId,
    viewer,
    merchantIdentities: async () => (viewer && loader ? loader.load(viewer.userId) : undefined),
  };
}

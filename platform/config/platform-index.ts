/** Look-ups over a validated platform config, built once so hot paths do map reads, not scans. */
import type { AppConfig, MerchantConfig, PlatformConfig, SubgraphConfig } from './platform-config.js';

export interface PlatformIndex {
  readonly config: PlatformConfig;
  app(appId: string): AppConfig | undefined;
  merchant(merchantId: string): MerchantConfig | undefined;
  merchantByApp(appId: string): MerchantConfig | undefined;
  /** The merchant owning a subgraph, or undefined for the identity subgraph and unknown names. */
  merchantBySubgraph(subgraphName: string): MerchantConfig | undefined;
  subgraph(name: string): SubgraphConfig | undefined;
}

export function indexPlatform(config: PlatformConfig): PlatformIndex {
  const apps = new Map(config.apps.map((a) => [a.appId, a]));
  const merchants = new Map(config.merchants.map((m) => [m.id, m]));
  const merchantsByApp = new Map(config.merchants.map((m) => [m.appId, m]));
  const merchantsBySubgraph = new Map(config.merchants.map((m) => [m.subgraph, m]));
  const subgraphs = new Map(config.subgraphs.map((s) => [s.name, s]));
  return {
    config,
    app: (id) => apps.get(id),
    merchant: (id) => merchants.get(id),
    merchantByApp: (id) => merchantsByApp.get(id),
    merchantBySubgraph: (name) => merchantsBySubgraph.get(name),
    subgraph: (name) => subgraphs.get(name),
  };
}

/**
 * What `npm start` runs, read from config alone: every subgraph of the supergraph config (the identity
 * subgraph, and each merchant's through the shared merchant process entry), then the gateway, each on
 * `<NAME>_PORT` or the port of its URL in the platform config.
 */
import type { PlatformIndex } from '../platform/config/platform-index.js';
import type { Environment } from '../platform/env.js';
import { subgraphPort } from '../platform/process/service-setup.js';
import type { SupergraphConfig } from '../schema/supergraph-config.js';
import { GATEWAY_NODE_FLAGS } from '../gateway/node-flags.js';

export interface LaunchedProcess {
  name: string;
  /** The entry module, relative to the repository root. */
  entry: string;
  args: string[];
  /** Node's own flags for the process, before the entry. */
  nodeFlags: readonly string[];
  port: number;
  /** Printed beside the URL. */
  note: string;
}

export const GATEWAY = 'gateway';

export function launchPlan(env: Environment, platform: PlatformIndex, supergraph: SupergraphConfig): LaunchedProcess[] {
  const subgraphs = supergraph.subgraphs.map((subgraph): LaunchedProcess => {
    const port = subgraphPort(env, platform, subgraph.name);
    if (subgraph.name === platform.config.identitySubgraph)
      return { name: subgraph.name, entry: 'subgraphs/identity/main.ts', args: [], nodeFlags: [], port, note: '' };
    const merchant = platform.merchantBySubgraph(subgraph.name);
    if (!merchant) throw new Error(`no merchant owns the ${subgraph.name} subgraph in the platform config, and it is not the identity subgraph`);
    return {
      name: subgraph.name,
      entry: 'subgraphs/merchant-process/run-merchant-process.ts',
      args: [subgraph.name],
      nodeFlags: [],
      port,
      note: `(merchant ${merchant.id})`,
    };
  });
  return [
    ...subgraphs,
    {
      name: GATEWAY,
      entry: 'gateway/main.ts',
      args: [],
      nodeFlags: GATEWAY_NODE_FLAGS,
      port: env.GATEWAY_PORT,
      note: '<- the one endpoint for the mini-program',
    },
  ];
}

/** `SUBGRAPH_URLS` for the gateway: where the plan's subgraphs listen. */
export function subgraphUrls(plan: LaunchedProcess[], base: string): string {
  return plan
    .filter((p) => p.name !== GATEWAY)
    .map((p) => `${p.name}=${base}:${p.port}/graphql`)
    .join(',');
}

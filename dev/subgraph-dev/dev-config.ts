/**
 * The development platform config with a foreign subgraph in it: added (or replacing the subgraph of the
 * same name), and optionally owned by a merchant whose mini-program gets an app entry, so the dev gateway
 * injects that merchant's simulated OpenID of the viewer into it.
 */
import { PlatformConfigError, parsePlatformConfig, type PlatformConfig } from '../../platform/config/platform-config.js';

export interface ForeignSubgraph {
  name: string;
  url: string;
  /** The merchant owning it, with its mini-program's appId. */
  merchant?: { id: string; appId: string };
}

/** The variable holding the secret a subgraph's identities are signed with, for a new subgraph. */
export const secretEnvFor = (name: string) => `${name.toUpperCase().replace(/-/g, '_')}_SUBGRAPH_SECRET`;

/** `config` with `foreign` in it; validated like any platform config (an error names the field). */
export function withForeignSubgraph(config: PlatformConfig, foreign: ForeignSubgraph): PlatformConfig {
  // The identity subgraph is the platform itself (logins, links, tokens): no merchant team replaces it.
  if (foreign.name === config.identitySubgraph) throw new PlatformConfigError(`"${foreign.name}" is the platform's identity subgraph: choose another --name`);
  const existing = config.subgraphs.find((s) => s.name === foreign.name);
  const subgraphs = existing
    ? config.subgraphs.map((s) => (s.name === foreign.name ? { ...s, url: foreign.url } : s))
    : [...config.subgraphs, { name: foreign.name, url: foreign.url, identitySecretEnv: secretEnvFor(foreign.name) }];
  const next = { ...config, subgraphs };
  const { merchant } = foreign;
  if (merchant) {
    // Bound to the platform app's Open Platform account, so a person's identities there share a UnionID
    // and link to one user at login, as a real merchant app bound to the platform's account would.
    const openPlatform = config.apps.find((a) => a.appId === config.platform.miniProgramAppId)?.openPlatform;
    const secretEnv = `WX_SECRET_${merchant.id.toUpperCase().replace(/-/g, '_')}`;
    next.apps = [
      ...config.apps.filter((a) => a.appId !== merchant.appId),
      {
        appId: merchant.appId,
        kind: 'miniprogram',
        name: `${merchant.id} (dev)`,
        openPlatform,
        secretEnv,
        merchant: merchant.id,
        authorizesThirdPartyPlatform: false,
        webAuthDomains: [],
      },
    ];
    next.merchants = [
      ...config.merchants.filter((m) => m.id !== merchant.id && m.subgraph !== foreign.name),
      {
        id: merchant.id,
        name: merchant.id,
        appId: merchant.appId,
        subgraph: foreign.name,
        linking: { unionId: true, thirdPartyPlatform: false, officialAccountBridge: false, handoff: true, merchantAssertion: false },
      },
    ];
  }
  return parsePlatformConfig(next, `the platform config with subgraph "${foreign.name}"`);
}

/**
 * Readiness probes of what the gateway depends on. Each subgraph is sent a signed anonymous `{ __typename }`
 * exactly as a client request would be: a subgraph whose secret differs from the gateway's answers 401,
 * which would turn every user's request into an error, so the gateway is then not ready and says which
 * subgraph and why (it is also logged loudly at start-up). A subgraph that is merely unreachable only
 * degrades the gateway: its fields fail, the others answer.
 */
import type { PlatformIndex } from '../platform/config/platform-index.js';
import { Headers } from '../platform/headers.js';
import { OK, type ReadinessCheck } from '@identity-federation-gateway/subgraph-kit';
import { encodeClaims, identityKey, signEncodedIdentity } from '@identity-federation-gateway/subgraph-kit';
import { identityClaimsFor } from './identity-injection.js';
import type { SubgraphTransport } from './subgraph-transport.js';

const PROBE_BODY = JSON.stringify({ query: '{ __typename }' });
const PROBE_TIMEOUT_MS = 1500;

export interface SubgraphProbeTarget {
  name: string;
  url: string;
  /** With identity injection: the platform and this subgraph's secret, to sign the probe. */
  signing?: { platform: PlatformIndex; secret: string };
}

/** A readiness check named `subgraph:<name>`. */
export function subgraphProbe(target: SubgraphProbeTarget, transport: SubgraphTransport): ReadinessCheck {
  const key = target.signing && identityKey(target.signing.secret);
  return {
    name: `subgraph:${target.name}`,
    check: async () => {
      const headers: Record<string, string> = { [Headers.contentType]: 'application/json' };
      if (target.signing && key) {
        const claims = identityClaimsFor(target.signing.platform, {
          subgraph: target.name,
          nowSeconds: Math.floor(Date.now() / 1000),
          viewer: undefined,
          merchantIdentities: undefined,
          pseudonym: undefined,
        });
        headers[Headers.identity] = signEncodedIdentity(key, encodeClaims(claims), PROBE_BODY);
      }
      let status: number;
      let timer: NodeJS.Timeout | undefined;
      try {
        // Slow is not broken: answer before the readiness check's own deadline and call it degraded.
        const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('slow')), PROBE_TIMEOUT_MS)));
        status = (await Promise.race([transport.post(target.url, headers, PROBE_BODY, undefined), late])).status;
      } catch {
        return { ok: false, reason: `unreachable or slower than ${PROBE_TIMEOUT_MS} ms`, degradedOnly: true };
      } finally {
        clearTimeout(timer);
      }
      if (status === 401) return { ok: false, reason: 'refuses the gateway\u2019s identity signature (IDENTITY_SIGNATURE_INVALID): its secret differs' };
      if (status < 200 || status > 299) return { ok: false, reason: `answers HTTP ${status}`, degradedOnly: true };
      return OK;
    },
  };
}

/** The identity service's JWKS answers with at least one key (access tokens cannot be verified otherwise). */
export function jwksCheck(jwksUrl: URL): ReadinessCheck {
  return {
    name: 'jwks',
    check: async () => {
      const response = await fetch(jwksUrl, { signal: AbortSignal.timeout(1500) });
      if (!response.ok) return { ok: false, reason: `answers HTTP ${response.status}` };
      const body = (await response.json()) as { keys?: unknown[] };
      return Array.isArray(body.keys) && body.keys.length > 0 ? OK : { ok: false, reason: 'holds no keys' };
    },
  };
}

/**
 * The Federation authorization features (`@authenticated`, `@requiresScopes`, `@policy`), which this
 * platform's gateway enforces itself. @apollo/federation-internals refuses to build a supergraph that links
 * a feature "for: SECURITY" it cannot enforce (so an unaware gateway never serves the fields unchecked);
 * whoever builds the platform's supergraph (the gateway, the API schema, schema checks) hands it the
 * supergraph with those links' purpose dropped, and nothing else changed: the directives stay in the SDL.
 * A supergraph linking any other SECURITY feature is still refused.
 */

/** The specs, by the last segment of their `@link` URL. */
export const AUTHORIZATION_SPECS = ['authenticated', 'requiresScopes', 'policy'] as const;

const SECURITY_LINK = new RegExp(
  `(@link\\(\\s*url:\\s*"https://specs\\.apollo\\.dev/(?:${AUTHORIZATION_SPECS.join('|')})/v[0-9.]+"(?:\\s*,?\\s*(?:as|import):\\s*(?:"[^"]*"|\\[[^\\]]*\\]))*)\\s*,?\\s*for:\\s*SECURITY\\s*\\)`,
  'g',
);

/** The supergraph as @apollo/federation-internals accepts it, the authorization features enforced by the platform's gateway. */
export function withEnforcedAuthorization(supergraphSdl: string): string {
  return supergraphSdl.replace(SECURITY_LINK, '$1)');
}

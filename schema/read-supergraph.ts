/**
 * A composed supergraph as the platform's schema tooling reads it: @apollo/federation-internals'
 * `Supergraph`, with the authorization features the platform's gateway enforces itself accepted
 * (platform/graphql/authorization-specs.ts says why federation-internals would refuse them otherwise).
 */
import { Supergraph } from '@apollo/federation-internals';
import { withEnforcedAuthorization } from '../platform/graphql/authorization-specs.js';

/** Parses and validates `supergraphSdl`; throws on a supergraph federation-internals cannot read. */
export function readSupergraph(supergraphSdl: string): Supergraph {
  return Supergraph.build(withEnforcedAuthorization(supergraphSdl));
}

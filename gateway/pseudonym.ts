/**
 * Pairwise pseudonyms: a merchant subgraph sees User.id as a value derived from the platform user id
 * with that subgraph's secret, so merchants cannot correlate a person across merchants by id.
 */
import { createHmac } from 'node:crypto';

export function pairwisePseudonym(secret: string, userId: string): string {
  return `u_${createHmac('sha256', secret).update(`pseudonym\0${userId}`).digest('base64url').slice(0, 24)}`;
}

interface Representation {
  __typename?: unknown;
  id?: unknown;
}

/** Variables with every User representation's id replaced by `pseudonymOf(id)`; others untouched. */
export function pseudonymizeUserRepresentations(
  variables: Record<string, unknown> | undefined,
  pseudonymOf: (userId: string) => string,
): Record<string, unknown> | undefined {
  const representations = variables?.representations;
  if (!Array.isArray(representations)) return variables;
  return {
    ...variables,
    representations: representations.map((rep: Representation) =>
      rep && rep.__typename === 'User' && typeof rep.id === 'string' ? { ...rep, id: pseudonymOf(rep.id) } : rep,
    ),
  };
}

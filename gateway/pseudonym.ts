/**
 * Pairwise pseudonyms: a merchant subgraph sees User.id as a value derived from the platform user id
 * with that subgraph's secret, so merchants cannot correlate a person across merchants by id.
 */
import { createHmac } from 'node:crypto';

export function pairwisePseudonym(secret: string, userId: string): string {
  return `u_${createHmac('sha256', secret).update(`pseudonym\0${userId}`).digest('base64url').slice(0, 24)}`;
}

/** `pairwisePseudonym` for one secret, remembered per user (bounded): it is asked for on every fetch. */
export function pseudonymsFor(secret: string, limit = 100_000): (userId: string) => string {
  const known = new Map<string, string>();
  return (userId) => {
    let pseudonym = known.get(userId);
    if (pseudonym === undefined) {
      pseudonym = pairwisePseudonym(secret, userId);
      if (known.size >= limit) known.delete(known.keys().next().value!);
      known.set(userId, pseudonym);
    }
    return pseudonym;
  };
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

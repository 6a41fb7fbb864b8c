/** "Did you mean ...?" for a name given on the command line: the known name fewest edits away. */

/**
 * Levenshtein distance: the fewest single-character insertions, deletions and substitutions turning
 * `a` into `b`. One row at a time; names are short.
 *
 * @example editDistance('cupons', 'coupons') // 1
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest of `known` to `name` (case-insensitive; the first listed wins a tie), and how far it is. */
export function closestName(name: string, known: readonly string[]): { name: string; distance: number } | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best;
}

/**
 * Whether `distance` edits from a name of `length` characters looks like a typing slip rather than
 * another name: at most a third of it, and always at least two (`cupons`, `prodcuts`).
 */
export const isLikelyTypo = (distance: number, length: number) => distance <= Math.max(2, Math.floor(length / 3));

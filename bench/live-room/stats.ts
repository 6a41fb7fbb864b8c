/** Order statistics for the live room's figures. */

/** The `q` quantile (0..1) of ascending `sorted` values, nearest rank; 0 when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Ascending copy of `values`. */
export const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

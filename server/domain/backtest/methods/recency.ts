import { innerHitRate, type SelectionContext, type SelectionMethod } from '../method';

/** Half-lives tried, in months. */
export const HALF_LIVES = [1, 2, 3, 6, 12] as const;

/** Exponentially decayed counts: Σ over the window of 2^(−age/h)·incidents, age 0 = the month before the origin. */
export function decayedCounts(ctx: SelectionContext, halfLife: number): Float64Array {
  if (!(halfLife > 0)) throw new Error(`the half-life must be above 0 months; got ${halfLife}`);
  return ctx.history.sum('incidents', ctx.window, (age) => 2 ** (-age / halfLife));
}

/** The half-life with the best mean next-month hit rate over earlier origins (ties: the longer, steadier one). */
export function chooseHalfLife(ctx: SelectionContext): number {
  let best: number = HALF_LIVES[HALF_LIVES.length - 1]!,
    bestHit = -1;
  for (const h of [...HALF_LIVES].reverse()) {
    const hit = innerHitRate(ctx, `recency-h${h}`, (inner) => decayedCounts(inner, h));
    if (hit !== null && hit > bestHit + 1e-12) {
      best = h;
      bestHit = hit;
    }
  }
  return best;
}

/**
 * Recency-weighted counts. Rule: score = Σₘ 2^(−age(m)/h)·incidents(m) over the window, so an
 * incident h months older counts half as much (exponential decay; the "prospective" weighting of
 * Bowers, Johnson & Pease 2004 in its simplest form). The half-life h is chosen at each origin from
 * 1, 2, 3, 6 or 12 months by the best mean next-month hit rate, at the tuning budget, over the up to 12
 * earlier origins — each scored on its own history, so only months before the origin are read.
 * Parameters: window; half-lives tried; tuning budget (0.5 %).
 * @example decayedCounts(ctx, 3) // an incident 3 months before the origin's last month weighs ½
 */
export const recency: SelectionMethod = {
  key: 'recency',
  name: 'Recency-weighted counts',
  description:
    'Counts over the window, each month weighted 2^(−age/h); the half-life h (1, 2, 3, 6 or 12 months) chosen on the earlier months only by next-month capture at the tuning budget.',
  score: (ctx) => decayedCounts(ctx, chooseHalfLife(ctx)),
  chosen: (ctx) => `half-life ${chooseHalfLife(ctx)} months`,
};

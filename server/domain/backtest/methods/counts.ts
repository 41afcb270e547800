import type { SelectionContext, SelectionMethod } from '../method';

/**
 * Counts with harm as the tie-break: count + ½·harm/(1 + max harm). Counts are whole numbers and the
 * harm term stays below ½, so cells rank by count first and by harm among equal counts, as the
 * accuracy comparison's "top cells by count" does.
 */
export function countThenHarm(counts: Float64Array, harm: Float64Array): Float64Array {
  let maxHarm = 0;
  for (let i = 0; i < harm.length; i++) if (harm[i]! > maxHarm) maxHarm = harm[i]!;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! > 0 ? counts[i]! + (0.5 * harm[i]!) / (1 + maxHarm) : 0;
  return out;
}

/**
 * Top cells by count. Rule: rank cells by their incidents over the window (the 12 months before the
 * origin by default), harm breaking ties. The naive baseline of hotspot policing (Sherman, Gartin &
 * Buerger 1989, "Hot spots of predatory crime"; Chainey, Tompson & Uhlig 2008 score it by PAI).
 * Parameters: the window.
 * @example topCount.score(ctx) // 14 incidents and harm 30 → 14.0…, 14 incidents and harm 3 → 14.0… lower
 */
export const topCount: SelectionMethod = {
  key: 'top-count',
  name: 'Top cells by count',
  description: 'Cells with the most incidents over the window before the origin (harm breaks ties). Parameter: window (default 12 months).',
  score: (ctx: SelectionContext) => countThenHarm(ctx.history.sum('incidents', ctx.window), ctx.history.sum('harm', ctx.window)),
};

/**
 * Top cells by harm. Rule: rank cells by their harm (Cambridge Crime Harm Index days, or the chosen
 * scheme) over the window. Sherman, Neyroud & Neyroud 2016, "The Cambridge Crime Harm Index".
 * Parameters: the window.
 */
export const topHarm: SelectionMethod = {
  key: 'top-harm',
  name: 'Top cells by harm',
  description: 'Cells with the most harm (the harm scheme, CCHI by default) over the window before the origin. Parameter: window (default 12 months).',
  score: (ctx: SelectionContext) => ctx.history.sum('harm', ctx.window),
};

/** Months of the baseline ranking the target is measured against. */
export const LAST_MONTHS = 3;

/**
 * The last-3-months ranking: the baseline the target is set against. Rule: rank cells by their
 * incidents over the 3 months before the origin, whatever the window, harm breaking ties. This is
 * the "what happened lately" map an analyst would draw without any method.
 */
export const lastMonths: SelectionMethod = {
  key: 'last-3-months',
  name: 'Last 3 months (baseline)',
  description: 'Cells with the most incidents over the 3 months before the origin (harm breaks ties), whatever the window: the baseline of the target.',
  score: (ctx: SelectionContext) => countThenHarm(ctx.history.sum('incidents', LAST_MONTHS), ctx.history.sum('harm', LAST_MONTHS)),
};

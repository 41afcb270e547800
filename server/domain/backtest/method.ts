import type { History } from './history';

/** What a selection method is given at one origin. */
export interface SelectionContext {
  history: History;
  /** Months of history the method selects on (12 by default; 3 or 24 in the backtest's variants). */
  window: number;
  /** Share of the study area the selection will be cut to (budget-dependent methods and tuning read it). */
  budgetShare: number;
  /** Share of the study area at which tuned methods (half-life, combination) choose their parameters. */
  tuneBudgetShare: number;
  /** Results already computed in this run, by key: every entry depends only on months before its own origin. */
  memo: Map<string, unknown>;
}

/**
 * A hotspot selection method: scores every study-area cell from the months before the origin. The
 * backtest ranks cells by score (higher first, zero never selected) and cuts the ranking at an area
 * budget; `budgetDependent` methods are scored once per budget.
 */
export interface SelectionMethod {
  key: string;
  name: string;
  /** The rule, its source and its parameters, in the analyst's words. */
  description: string;
  budgetDependent?: boolean;
  /** Data beyond the cell-month totals the method reads (the service loads them only when asked). */
  reads?: ('positions' | 'allCrime')[];
  score(ctx: SelectionContext): Float64Array;
  /** Parameters chosen at this origin (half-life, blend …), for the report. */
  chosen?(ctx: SelectionContext): string | null;
}

/**
 * Cell indices in priority order: positive scores only, highest first, ties by lower index (cells are
 * in id order, so ties break the same way every run); at most enough cells to fill `budgetKm2`.
 */
export function rankWithinBudget(scores: ArrayLike<number>, areaKm2: ArrayLike<number>, budgetKm2: number): number[] {
  const n = scores.length;
  if (areaKm2.length !== n) throw new Error(`${n} scores but ${areaKm2.length} cell areas`);
  let minArea = Infinity;
  for (let i = 0; i < n; i++) if (areaKm2[i]! < minArea) minArea = areaKm2[i]!;
  // Only the top k scores can fit the budget: find the k-th largest with a typed sort, then sort the few above it.
  const k = Math.min(n, Math.ceil(budgetKm2 / minArea) + 1);
  if (k === 0) return [];
  const sorted = Float64Array.from(scores).sort();
  const threshold = Math.max(sorted[n - k]!, Number.MIN_VALUE);
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (scores[i]! >= threshold) candidates.push(i);
  candidates.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const out: number[] = [];
  let area = 0;
  for (const i of candidates) {
    if (area + areaKm2[i]! > budgetKm2 * (1 + 1e-9)) break;
    out.push(i);
    area += areaKm2[i]!;
  }
  return out;
}

/** Share of an evaluation month's incidents inside the selection (0 when the month has none). */
export function hitRateOf(selected: number[], evaluate: ArrayLike<number>): number {
  let n = 0,
    N = 0;
  for (let i = 0; i < evaluate.length; i++) N += evaluate[i]!;
  for (const i of selected) n += evaluate[i]!;
  return N > 0 ? n / N : 0;
}

/** The study area in km². */
export function studyAreaKm2(areaKm2: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < areaKm2.length; i++) s += areaKm2[i]!;
  return s;
}

/**
 * Mean next-month hit rate of a score rule over the up-to-`lookback` origins before `ctx`'s origin
 * that have at least `minHistory` months before them: the rule is scored at each earlier origin on
 * its own history, so tuning reads only months before the origin. Results are memoised under `key`.
 */
export function innerHitRate(
  ctx: SelectionContext,
  key: string,
  score: (inner: SelectionContext) => Float64Array,
  opts: { lookback?: number; minHistory?: number } = {},
): number | null {
  const lookback = opts.lookback ?? 12,
    minHistory = opts.minHistory ?? 3;
  const h = ctx.history;
  const budget = ctx.tuneBudgetShare * studyAreaKm2(h.data.areaKm2);
  let sum = 0,
    count = 0;
  for (let t = Math.max(minHistory, h.origin - lookback); t < h.origin; t++) {
    const memoKey = `hit:${key}:w${ctx.window}:b${ctx.tuneBudgetShare}:t${t}`;
    let v = ctx.memo.get(memoKey) as number | undefined;
    if (v === undefined) {
      const inner = { ...ctx, history: h.before(t), budgetShare: ctx.tuneBudgetShare };
      v = hitRateOf(rankWithinBudget(score(inner), h.data.areaKm2, budget), h.incidents(t));
      ctx.memo.set(memoKey, v);
    }
    sum += v;
    count += 1;
  }
  return count ? sum / count : null;
}

/**
 * innerHitRate for a family of candidates scored together: `scoreAll` gives every candidate's scores
 * at an earlier origin in one pass (they share their costly sums); the result is each candidate's
 * mean next-month hit rate over the same earlier origins, or null when there is none.
 */
export function innerHitRates(
  ctx: SelectionContext,
  key: string,
  scoreAll: (inner: SelectionContext) => Float64Array[],
  opts: { lookback?: number; minHistory?: number } = {},
): number[] | null {
  const lookback = opts.lookback ?? 12,
    minHistory = opts.minHistory ?? 3;
  const h = ctx.history;
  const budget = ctx.tuneBudgetShare * studyAreaKm2(h.data.areaKm2);
  let sums: number[] | null = null,
    count = 0;
  for (let t = Math.max(minHistory, h.origin - lookback); t < h.origin; t++) {
    const memoKey = `hits:${key}:w${ctx.window}:b${ctx.tuneBudgetShare}:t${t}`;
    let v = ctx.memo.get(memoKey) as number[] | undefined;
    if (v === undefined) {
      const inner = { ...ctx, history: h.before(t), budgetShare: ctx.tuneBudgetShare };
      v = scoreAll(inner).map((s) => hitRateOf(rankWithinBudget(s, h.data.areaKm2, budget), h.incidents(t)));
      ctx.memo.set(memoKey, v);
    }
    sums = sums ? sums.map((x, i) => x + v![i]!) : [...v];
    count += 1;
  }
  return sums?.map((x) => x / count) ?? null;
}

/** A method's scores at the context's origin, memoised (the same scores serve every budget and the combination). */
export function memoScore(ctx: SelectionContext, method: SelectionMethod): Float64Array {
  const key = `score:${method.key}:w${ctx.window}:t${ctx.history.origin}${method.budgetDependent ? `:b${ctx.budgetShare}` : ''}:tb${ctx.tuneBudgetShare}`;
  let s = ctx.memo.get(key) as Float64Array | undefined;
  if (!s) {
    s = method.score(ctx);
    ctx.memo.set(key, s);
  }
  return s;
}

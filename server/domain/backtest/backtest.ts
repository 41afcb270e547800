import { indexedAccuracy } from '../hotspots/accuracy';
import { meanInterval, ratioOfMeans, type Interval } from './bootstrap';
import { History, type BacktestData } from './history';
import { memoScore, rankWithinBudget, studyAreaKm2, type SelectionContext, type SelectionMethod } from './method';
import { BASELINE_KEY } from './methods';

export interface BacktestOptions {
  methods: SelectionMethod[];
  /** Months of history each selection uses (default [12]; the issue also asks for 3 and 24). */
  windows: number[];
  /** Months scored after each origin (default [1, 3]). */
  horizons: number[];
  /** Area budgets as shares of the study area (default 0.25 %, 0.5 %, 1 %). */
  budgets: number[];
  /** An origin needs at least this many months before it (default 12), and at least the window. */
  minHistory: number;
  /** Budget at which tuned methods choose their parameters (default 0.5 %, the target's). */
  tuneBudgetShare: number;
  /** Sees every month a selection reads, with the origin it selects at (for the no-look-ahead test). */
  onRead?: (month: number, origin: number) => void;
}

export const BACKTEST_DEFAULTS = { windows: [12], horizons: [1, 3], budgets: [0.0025, 0.005, 0.01], minHistory: 12, tuneBudgetShare: 0.005 };

export interface BacktestRow {
  method: string;
  window: number;
  horizon: number;
  budgetShare: number;
  origins: number;
  firstOrigin: string;
  lastOrigin: string;
  /** Mean share of the study area actually selected (below the budget when a method selects fewer cells). */
  areaShare: number;
  /** Share of the evaluation months' incidents inside the selection. */
  hitRate: Interval;
  /** Share of the evaluation months' harm inside the selection. */
  harmCaptured: Interval;
  pai: Interval;
  rri: Interval | null;
  /** Share of the selected cells still selected at the next origin. */
  stability: Interval | null;
  /** Mean hit rate over the baseline's (last-3-months ranking) on the same origins, paired. */
  hitRateVsBaseline: Interval | null;
}

export interface BacktestResult {
  rows: BacktestRow[];
  /** Parameters tuned methods chose, per origin (window 12 or the first window). */
  chosen: { method: string; window: number; origin: string; chosen: string }[];
  months: { first: string; last: string; count: number };
  studyAreaKm2: number;
}

function sumMonths(data: BacktestData, kind: 'incidents' | 'harm', from: number, count: number): Float64Array {
  const out = new Float64Array(data.cells.length);
  for (let t = from; t < from + count; t++) {
    const v = data[kind][t]!;
    for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  }
  return out;
}
const total = (v: Float64Array) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
};

/**
 * Rolling-origin backtest (Tashman 2000): for every origin month with at least max(minHistory,
 * window) months before it, each method selects cells from the window before the origin — through a
 * History that throws on any month at or after the origin — and the selection, cut at each area
 * budget, is scored on the next `horizon` months: hit rate and PAI (Chainey, Tompson & Uhlig 2008),
 * RRI (Levine 2008), harm captured, and stability between consecutive origins. Means carry 95 %
 * moving-block bootstrap intervals over origins (bootstrap.ts: block 3, 2000 replicates, fixed seed).
 * Origins whose evaluation months hold no incidents are skipped.
 * @example runBacktest(data, { methods: [topCount, lastMonths] }).rows // one row per method × window × horizon × budget
 */
export function runBacktest(data: BacktestData, options: Partial<BacktestOptions> & { methods: SelectionMethod[] }): BacktestResult {
  const o = { ...BACKTEST_DEFAULTS, ...options };
  const T = data.months.length,
    n = data.cells.length;
  for (const v of [data.areaKm2, data.centreX, data.centreY]) if (v.length !== n) throw new Error(`every cell array must have ${n} entries`);
  if (data.incidents.length !== T || data.harm.length !== T) throw new Error(`incidents and harm must have one array per month (${T})`);
  for (const b of o.budgets) if (!(b > 0 && b <= 1)) throw new Error(`an area budget is a share of the study area above 0 and at most 1; got ${b}`);
  for (const h of o.horizons) if (!Number.isInteger(h) || h < 1) throw new Error(`a horizon is a whole number of months ≥ 1; got ${h}`);
  for (const w of o.windows) if (!Number.isInteger(w) || w < 1) throw new Error(`a window is a whole number of months ≥ 1; got ${w}`);
  const A = studyAreaKm2(data.areaKm2);
  const memo = new Map<string, unknown>();
  const rows: BacktestRow[] = [];
  const chosen: BacktestResult['chosen'] = [];
  const maxH = Math.min(...o.horizons);

  for (const window of o.windows) {
    const first = Math.max(o.minHistory, window);
    const origins: number[] = [];
    for (let t = first; t + maxH <= T; t++) origins.push(t);
    if (!origins.length)
      throw new Error(`no origin has ${first} months before it and ${maxH} after it among the ${T} months loaded (${data.months[0]} to ${data.months[T - 1]})`);
    // selections[method][budget][k]: the cells chosen at origins[k].
    const selections = new Map<string, number[][][]>();
    const train = new Map<number, { counts: Float64Array; total: number }>();
    for (const t of origins) {
      const history = new History(data, t, o.onRead);
      const counts = history.sum('incidents', window);
      train.set(t, { counts, total: total(counts) });
      for (const m of o.methods) {
        if (!selections.has(m.key))
          selections.set(
            m.key,
            o.budgets.map(() => []),
          );
        o.budgets.forEach((b, bi) => {
          const ctx: SelectionContext = { history, window, budgetShare: b, tuneBudgetShare: o.tuneBudgetShare, memo };
          selections.get(m.key)![bi]!.push(rankWithinBudget(memoScore(ctx, m), data.areaKm2, b * A));
        });
        if (m.chosen) {
          const c = m.chosen({ history, window, budgetShare: o.tuneBudgetShare, tuneBudgetShare: o.tuneBudgetShare, memo });
          if (c) chosen.push({ method: m.key, window, origin: data.months[t]!, chosen: c });
        }
      }
    }

    for (const horizon of o.horizons) {
      const ks = origins.map((t, k) => ({ t, k })).filter(({ t }) => t + horizon <= T);
      const evals = new Map(
        ks.map(({ t }) => {
          const counts = sumMonths(data, 'incidents', t, horizon),
            harm = sumMonths(data, 'harm', t, horizon);
          return [t, { counts, harm, n: total(counts), harmTotal: total(harm) }];
        }),
      );
      const scored = ks.filter(({ t }) => evals.get(t)!.n > 0);
      if (!scored.length) continue;
      const hitBy = new Map<string, Float64Array[]>();
      for (const m of o.methods) {
        o.budgets.forEach((b, bi) => {
          const hit: number[] = [],
            harm: number[] = [],
            pai: number[] = [],
            rri: number[] = [],
            area: number[] = [];
          for (const { t, k } of scored) {
            const e = evals.get(t)!,
              tr = train.get(t)!;
            const sel = selections.get(m.key)![bi]![k]!;
            const acc = indexedAccuracy({
              selected: sel,
              train: tr.counts,
              evaluate: e.counts,
              areaKm2: data.areaKm2,
              studyAreaKm2: A,
              totals: { train: tr.total, evaluate: e.n },
            });
            let h = 0;
            for (const i of sel) h += e.harm[i]!;
            hit.push(acc.hitRate);
            pai.push(acc.pai);
            area.push(acc.areaShare);
            harm.push(e.harmTotal > 0 ? h / e.harmTotal : 0);
            if (acc.rri !== null) rri.push(acc.rri);
          }
          if (!hitBy.has(m.key)) hitBy.set(m.key, []);
          hitBy.get(m.key)![bi] = Float64Array.from(hit);
          const stable: number[] = [];
          const sels = selections.get(m.key)![bi]!;
          for (let k = 0; k + 1 < sels.length; k++) {
            const a = sels[k]!,
              next = new Set(sels[k + 1]!);
            if (a.length) stable.push(a.filter((i) => next.has(i)).length / a.length);
          }
          rows.push({
            method: m.key,
            window,
            horizon,
            budgetShare: b,
            origins: scored.length,
            firstOrigin: data.months[scored[0]!.t]!,
            lastOrigin: data.months[scored[scored.length - 1]!.t]!,
            areaShare: area.reduce((s, v) => s + v, 0) / area.length,
            hitRate: meanInterval(hit),
            harmCaptured: meanInterval(harm),
            pai: meanInterval(pai),
            rri: rri.length ? meanInterval(rri) : null,
            stability: stable.length ? meanInterval(stable) : null,
            hitRateVsBaseline: null,
          });
        });
      }
      const base = hitBy.get(BASELINE_KEY);
      if (base) {
        for (const row of rows) {
          if (row.window !== window || row.horizon !== horizon) continue;
          const bi = o.budgets.indexOf(row.budgetShare);
          row.hitRateVsBaseline = ratioOfMeans(hitBy.get(row.method)![bi]!, base[bi]!);
        }
      }
    }
  }
  return { rows, chosen, months: { first: data.months[0]!, last: data.months[T - 1]!, count: T }, studyAreaKm2: A };
}

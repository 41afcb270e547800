import { meanInterval, ratioOfMeans, type Interval } from './bootstrap';
import type { BacktestData } from './history';
import { countThenHarm, LAST_MONTHS } from './methods/counts';
import { hitRateOf, rankWithinBudget, studyAreaKm2 } from './method';

export interface CaptureBound {
  /** `oracle`: the evaluation months' own top cells; `hindsight`: every loaded month but the evaluation months. */
  bound: 'oracle' | 'hindsight';
  horizon: number;
  budgetShare: number;
  hitRate: Interval;
  /** Paired ratio of mean hit rates over the last-3-months ranking on the same origins. */
  hitRateVsBaseline: Interval;
}

/**
 * Two references that read the months they are scored on, so no method can be expected to reach
 * them; they say where the ceiling of the backtest lies. `oracle`: at each origin, the cells ranked by
 * the evaluation months' own incidents — the most any selection of whole cells can hold (exactly so
 * when cells have equal areas). `hindsight`: the cells ranked by every loaded month except the
 * evaluation months — what knowing each cell's long-run rate would give, had nothing changed; the gap
 * from it to the oracle is the month's chance variation, which no forecast of rates can recover. Both
 * rank with harm breaking ties, over the same origins as runBacktest (every month with at least
 * `minHistory` before it and `horizon` after it), and are compared with the last-3-months ranking.
 * @example captureBounds(data, { horizons: [1], budgets: [0.005], minHistory: 12 })
 */
export function captureBounds(data: BacktestData, o: { horizons: number[]; budgets: number[]; minHistory: number }): CaptureBound[] {
  const T = data.months.length,
    n = data.cells.length;
  const A = studyAreaKm2(data.areaKm2);
  const sumOf = (kind: 'incidents' | 'harm', months: (t: number) => boolean) => {
    const out = new Float64Array(n);
    for (let t = 0; t < T; t++) if (months(t)) for (let i = 0, v = data[kind][t]!; i < n; i++) out[i]! += v[i]!;
    return out;
  };
  const allIncidents = sumOf('incidents', () => true),
    allHarm = sumOf('harm', () => true);
  const out: CaptureBound[] = [];
  for (const horizon of o.horizons) {
    const origins: number[] = [];
    for (let t = Math.max(o.minHistory, LAST_MONTHS); t + horizon <= T; t++) origins.push(t);
    if (!origins.length) continue;
    const hits = { oracle: o.budgets.map(() => [] as number[]), hindsight: o.budgets.map(() => [] as number[]), baseline: o.budgets.map(() => [] as number[]) };
    for (const t of origins) {
      const inEval = (m: number) => m >= t && m < t + horizon;
      const evaluate = sumOf('incidents', inEval);
      const evaluateHarm = sumOf('harm', inEval);
      const scores = {
        oracle: countThenHarm(evaluate, evaluateHarm),
        hindsight: countThenHarm(
          Float64Array.from(allIncidents, (v, i) => v - evaluate[i]!),
          Float64Array.from(allHarm, (v, i) => v - evaluateHarm[i]!),
        ),
        baseline: countThenHarm(
          sumOf('incidents', (m) => m >= t - LAST_MONTHS && m < t),
          sumOf('harm', (m) => m >= t - LAST_MONTHS && m < t),
        ),
      };
      for (const k of ['oracle', 'hindsight', 'baseline'] as const)
        o.budgets.forEach((b, bi) => {
          hits[k][bi]!.push(hitRateOf(rankWithinBudget(scores[k], data.areaKm2, b * A), evaluate));
        });
    }
    for (const bound of ['oracle', 'hindsight'] as const)
      o.budgets.forEach((b, bi) => {
        out.push({
          bound,
          horizon,
          budgetShare: b,
          hitRate: meanInterval(hits[bound][bi]!),
          hitRateVsBaseline: ratioOfMeans(hits[bound][bi]!, hits.baseline[bi]!),
        });
      });
  }
  return out;
}

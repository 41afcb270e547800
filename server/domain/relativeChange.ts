import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

export interface BeforeAfter {
  before: number;
  after: number;
}

export interface RelativeChange {
  /** (area.after / area.before) / (comparison.after / comparison.before); < 1 means the area did better. */
  ratio: number;
  ci: [number, number];
  pValue: number;
  significant: boolean;
  areaChangePercent: number | null;
  comparisonChangePercent: number | null;
  /** True when a count was zero and 0.5 was added to all four counts. */
  corrected: boolean;
  method: string;
}

/**
 * Did an area change more than its comparison? The ratio of rate ratios (Farrington, Gill, Waples &
 * Argomaniz 2007, "The effects of closed-circuit television on crime", J. Exp. Criminology 3, use it as
 * the relative effect size) with its log-normal interval: var(ln RRR) = 1/A0 + 1/A1 + 1/C0 + 1/C1,
 * treating the four counts as Poisson. When a count is 0 the log is undefined, so 0.5 is added to all
 * four (Haldane's correction) and the result says so.
 * @example relativeChange({ before: 100, after: 46 }, { before: 1000, after: 690 })
 *          // ratio 0.667 (the area fell 54 %, the force 31 %), 95 % CI 0.46–0.96, p = 0.028
 */
export function relativeChange(area: BeforeAfter, comparison: BeforeAfter, alpha = 0.05): RelativeChange {
  for (const [name, v] of [
    ['area', area],
    ['comparison', comparison],
  ] as const) {
    for (const k of ['before', 'after'] as const) {
      if (!Number.isInteger(v[k]) || v[k] < 0) throw new Error(`${name}.${k} must be a whole number ≥ 0 (a count); got ${v[k]}`);
    }
  }
  if (!(alpha > 0 && alpha < 1)) throw new Error(`alpha must be between 0 and 1; got ${alpha}`);
  const counts = [area.before, area.after, comparison.before, comparison.after];
  const corrected = counts.some((c) => c === 0);
  const [a0, a1, c0, c1] = counts.map((c) => (corrected ? c + 0.5 : c)) as [number, number, number, number];
  const ratio = a1 / a0 / (c1 / c0);
  const se = Math.sqrt(1 / a0 + 1 / a1 + 1 / c0 + 1 / c1);
  const z = normalQuantile(1 - alpha / 2, 0, 1);
  const zStat = Math.log(ratio) / se;
  const pValue = 2 * normalCdf(-Math.abs(zStat), 0, 1);
  const pct = (v: BeforeAfter) => (v.before > 0 ? ((v.after - v.before) / v.before) * 100 : null);
  return {
    ratio,
    ci: [Math.exp(Math.log(ratio) - z * se), Math.exp(Math.log(ratio) + z * se)],
    pValue,
    significant: pValue < alpha,
    areaChangePercent: pct(area),
    comparisonChangePercent: pct(comparison),
    corrected,
    method: 'ratio of rate ratios with a log-normal interval (Poisson counts)' + (corrected ? '; 0.5 added to every count because one was 0' : ''),
  };
}

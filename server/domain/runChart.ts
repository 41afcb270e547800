/** One point of a run chart with its special-cause signals. */
export interface RunChartPoint {
  label: string;
  value: number;
  /** Signals that mark this point as special-cause variation (empty: common cause). */
  signals: ('outside limits' | 'shift' | 'trend' | 'two of three near a limit')[];
}

export interface RunChart {
  mean: number;
  /** Mean moving range of the baseline points. */
  movingRange: number;
  lowerLimit: number;
  upperLimit: number;
  baselinePoints: number;
  points: RunChartPoint[];
  rules: string[];
}

export const RUN_CHART_RULES = [
  'outside limits: a point above the upper or below the lower process limit',
  'shift: 7 or more consecutive points on the same side of the mean',
  'trend: 7 or more consecutive points each higher (or each lower) than the one before',
  'two of three near a limit: 2 of 3 consecutive points beyond two-thirds of the way to the same limit',
];

/**
 * An XmR (individuals) chart for monthly counts, so partners see special-cause change rather than
 * two-point comparisons. Limits come from the baseline points: mean ± 2.66 × mean moving range
 * (Wheeler, "Understanding Variation", 1993); signals follow NHS England's "Making Data Count" rules
 * (a point outside the limits; a shift of 7 points on one side of the mean; a trend of 7 points
 * rising or falling; 2 of 3 points in the outer third on one side).
 * @example runChart(monthly.map((m) => ({ label: m.month, value: m.count })), 12) // limits from the first 12 months
 */
export function runChart(values: { label: string; value: number }[], baselinePoints = values.length): RunChart {
  if (values.length < 2) throw new Error(`a run chart needs at least 2 points; got ${values.length}`);
  if (!Number.isInteger(baselinePoints) || baselinePoints < 2 || baselinePoints > values.length) {
    throw new Error(`baselinePoints must be a whole number from 2 to the number of points (${values.length}); got ${baselinePoints}`);
  }
  for (const v of values) if (!Number.isFinite(v.value)) throw new Error(`point "${v.label}" has no numeric value`);
  const base = values.slice(0, baselinePoints).map((v) => v.value);
  const mean = base.reduce((s, v) => s + v, 0) / base.length;
  let mr = 0;
  for (let i = 1; i < base.length; i++) mr += Math.abs(base[i]! - base[i - 1]!);
  mr /= base.length - 1;
  const upper = mean + 2.66 * mr;
  const lower = Math.max(0, mean - 2.66 * mr); // counts cannot fall below zero
  const nearUpper = mean + (2 / 3) * 2.66 * mr;
  const nearLower = mean - (2 / 3) * 2.66 * mr;
  const points: RunChartPoint[] = values.map((v) => ({ label: v.label, value: v.value, signals: [] }));
  const mark = (from: number, to: number, s: RunChartPoint['signals'][number]) => {
    for (let k = from; k <= to; k++) if (!points[k]!.signals.includes(s)) points[k]!.signals.push(s);
  };
  points.forEach((p, i) => {
    if (p.value > upper || p.value < lower) mark(i, i, 'outside limits');
  });
  // Shift: runs of 7+ strictly on one side of the mean (points on the mean break the run).
  let start = 0;
  for (let i = 1; i <= points.length; i++) {
    const side = (k: number) => Math.sign(points[k]!.value - mean);
    if (i === points.length || side(i) !== side(start) || side(i) === 0) {
      if (side(start) !== 0 && i - start >= 7) mark(start, i - 1, 'shift');
      start = i;
    }
  }
  // Trend: 7+ points each strictly above (or below) the previous one.
  start = 0;
  let dir = 0;
  for (let i = 1; i <= points.length; i++) {
    const d = i < points.length ? Math.sign(points[i]!.value - points[i - 1]!.value) : 0;
    if (i === points.length || d === 0 || (dir !== 0 && d !== dir)) {
      if (dir !== 0 && i - start >= 7) mark(start, i - 1, 'trend');
      start = d === 0 || i === points.length ? i : i - 1;
      dir = d;
    } else if (dir === 0) {
      dir = d;
    }
  }
  // Two of three consecutive points beyond two-thirds of the way to the same limit.
  for (let i = 2; i < points.length; i++) {
    const w = [i - 2, i - 1, i];
    for (const test of [(v: number) => v > nearUpper, (v: number) => v < nearLower]) {
      const hits = w.filter((k) => test(points[k]!.value));
      if (hits.length >= 2) for (const k of hits) mark(k, k, 'two of three near a limit');
    }
  }
  return { mean, movingRange: mr, lowerLimit: lower, upperLimit: upper, baselinePoints, points, rules: RUN_CHART_RULES };
}

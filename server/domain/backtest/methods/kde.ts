import type { SelectionContext, SelectionMethod } from '../method';

/** Points of a kernel density: positions in metres and their weights (incidents at each position). */
export interface WeightedPoints {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  w: ArrayLike<number>;
}

/** Weighted sample quantile, type 7 (R's default), with each point repeated w times. */
function quantile7(values: number[], weights: number[], p: number): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const n = weights.reduce((s, w) => s + w, 0);
  const h = (n - 1) * p;
  const lo = Math.floor(h),
    hi = Math.ceil(h);
  // The value at 0-based rank r of the expanded sample.
  const at = (r: number) => {
    let cum = 0;
    for (const i of order) {
      cum += weights[i]!;
      if (r < cum) return values[i]!;
    }
    return values[order[order.length - 1]!]!;
  };
  const a = at(lo),
    b = at(hi);
  return a + (h - lo) * (b - a);
}

/** MASS::bandwidth.nrd of one axis: 4 · 1.06 · min(sd, IQR / 1.34) · n^(−1/5), each point counted w times. */
export function bandwidthNrd(values: number[], weights: number[]): number {
  const n = weights.reduce((s, w) => s + w, 0);
  if (n < 2) throw new Error(`the bandwidth rule needs at least 2 incidents; got ${n}`);
  let mean = 0;
  values.forEach((v, i) => {
    mean += v * weights[i]!;
  });
  mean /= n;
  let ss = 0;
  values.forEach((v, i) => {
    ss += weights[i]! * (v - mean) ** 2;
  });
  const sd = Math.sqrt(ss / (n - 1));
  const iqr = quantile7(values, weights, 0.75) - quantile7(values, weights, 0.25);
  return 4 * 1.06 * Math.min(sd, iqr / 1.34) * n ** (-1 / 5);
}

/**
 * Bandwidth by sfhotspot's rule of thumb (its bandwidth_nrd, the MASS::bandwidth.nrd formula per
 * axis), taking the mean of the two axes. sfhotspot writes `mean(bx, by)`, which in R returns bx
 * alone (mean's second argument is `trim`); harmgrid averages both axes so the rule does not depend
 * on the orientation of the force.
 */
export function bandwidthRule(p: WeightedPoints): number {
  const xs: number[] = [],
    ys: number[] = [],
    ws: number[] = [];
  for (let i = 0; i < p.w.length; i++)
    if (p.w[i]! > 0) {
      xs.push(p.x[i]!);
      ys.push(p.y[i]!);
      ws.push(p.w[i]!);
    }
  const h = (bandwidthNrd(xs, ws) + bandwidthNrd(ys, ws)) / 2;
  if (!(h > 0)) throw new Error('the incidents sit on too few positions for a bandwidth (the interquartile range is 0)');
  return h;
}

/**
 * Quartic (biweight) kernel density at the given centres: f(c) = Σᵢ wᵢ · 3/(π h²) · (1 − dᵢ²/h²)² over
 * the points within h of c — the kernel of sfhotspot::hotspot_kde (via SpatialKDE). Points are
 * bucketed on an h-sized grid so each centre visits only the 3 × 3 buckets around it.
 * @example quarticDensity({ x: [0], y: [0], w: [1] }, [0], [0], 100) // 3/(π·100²) ≈ 9.55e-5 per m²
 */
export function quarticDensity(p: WeightedPoints, cx: ArrayLike<number>, cy: ArrayLike<number>, h: number): Float64Array {
  if (!(h > 0)) throw new Error(`the bandwidth must be above 0 m; got ${h}`);
  const buckets = new Map<string, number[]>();
  const key = (bx: number, by: number) => `${bx},${by}`;
  for (let i = 0; i < p.w.length; i++) {
    if (!(p.w[i]! > 0)) continue;
    const k = key(Math.floor(p.x[i]! / h), Math.floor(p.y[i]! / h));
    let b = buckets.get(k);
    if (!b) {
      b = [];
      buckets.set(k, b);
    }
    b.push(i);
  }
  const h2 = h * h,
    norm = 3 / (Math.PI * h2);
  const out = new Float64Array(cx.length);
  for (let c = 0; c < cx.length; c++) {
    const x = cx[c]!,
      y = cy[c]!;
    const bx = Math.floor(x / h),
      by = Math.floor(y / h);
    let f = 0;
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++) {
        const b = buckets.get(key(bx + dx, by + dy));
        if (!b) continue;
        for (const i of b) {
          const d2 = (p.x[i]! - x) ** 2 + (p.y[i]! - y) ** 2;
          if (d2 < h2) {
            const u = 1 - d2 / h2;
            f += p.w[i]! * u * u;
          }
        }
      }
    out[c] = f * norm;
  }
  return out;
}

/** The window's incident positions, merged by position (snap points repeat month after month). */
export function windowPoints(ctx: SelectionContext): WeightedPoints {
  const merged = new Map<string, [number, number, number]>();
  for (let t = ctx.history.windowStart(ctx.window); t < ctx.history.origin; t++) {
    const m = ctx.history.positions(t);
    for (let i = 0; i < m.x.length; i++) {
      const k = `${m.x[i]},${m.y[i]}`;
      const e = merged.get(k);
      if (e) e[2] += m.incidents[i]!;
      else merged.set(k, [m.x[i]!, m.y[i]!, m.incidents[i]!]);
    }
  }
  const v = [...merged.values()];
  return { x: Float64Array.from(v, (e) => e[0]), y: Float64Array.from(v, (e) => e[1]), w: Float64Array.from(v, (e) => e[2]) };
}

/**
 * Kernel density on the incident positions, as sfhotspot's hotspot_kde: quartic kernel, bandwidth by
 * the rule of thumb of bandwidth.nrd (see bandwidthRule) on the window's incidents, evaluated at each
 * cell's centre (harmgrid's grid is H3, not sfhotspot's square grid). Parameters: window; bandwidth
 * rule; adjust factor 1 (sfhotspot's bandwidth_adjust default).
 */
export const kde: SelectionMethod = {
  key: 'kde',
  name: 'Kernel density (quartic)',
  reads: ['positions'],
  description:
    "Quartic-kernel density of the window's incident positions at each cell centre, bandwidth by the bandwidth.nrd rule of thumb averaged over both axes (as sfhotspot::hotspot_kde).",
  score: (ctx) => {
    const p = windowPoints(ctx);
    const d = ctx.history.data;
    if (p.w.length === 0) return new Float64Array(d.cells.length);
    return quarticDensity(p, d.centreX, d.centreY, bandwidthRule(p));
  },
  chosen: (ctx) => {
    const p = windowPoints(ctx);
    return p.w.length ? `bandwidth ${Math.round(bandwidthRule(p))} m` : null;
  },
};

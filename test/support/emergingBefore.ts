/**
 * harmgrid's emerging hot spot computation as it was before session 6 (commit d775c8c: per-bin sums,
 * the O(n²) Mann-Kendall, per-step confidenceBins and per-cell classification), kept unchanged as the
 * reference that test/hotspots/emergingFast.test.ts holds the fast path to, cell by cell.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { InsufficientDataError } from '../../server/domain/errors';
import {
  defaultShortSeriesParams,
  MIN_STEPS_EMERGING,
  type EmergingCategory,
  type ShortSeriesCategory,
  type ShortSeriesParams,
} from '../../server/domain/hotspots/emerging';
import type { Neighbours } from '../../server/domain/hotspots/neighbours';

export function spaceTimeGistarBefore(
  values: Float64Array,
  cells: number,
  steps: number,
  nb: Neighbours,
  opts: { timeStep?: number; globalWindow?: 'cube' | 'time-step' } = {},
): Float64Array {
  const N = opts.timeStep ?? 1;
  const windowKind = opts.globalWindow ?? 'cube';
  if (!Number.isInteger(N) || N < 0 || N > 10) throw new Error(`timeStep must be a whole number from 0 to 10; got ${N}`);
  if (windowKind !== 'cube' && windowKind !== 'time-step') throw new Error(`globalWindow must be "cube" or "time-step"; got "${String(windowKind)}"`);
  if (values.length !== cells * steps) throw new Error(`the cube has ${values.length} values but ${cells} cells × ${steps} steps = ${cells * steps}`);
  if (nb.offsets.length !== cells + 1) throw new Error(`the neighbours describe ${nb.offsets.length - 1} cells but the cube has ${cells}`);
  if (cells < 3) throw new InsufficientDataError(`Gi* needs at least 3 cells; got ${cells}`);

  const stats = (from: number, to: number) => {
    let sum = 0;
    for (let k = from; k < to; k++) sum += values[k]!;
    const mean = sum / (to - from);
    let ss = 0;
    for (let k = from; k < to; k++) {
      const d = values[k]! - mean;
      ss += d * d;
    }
    return { mean, s: Math.sqrt(ss / (to - from)), n: to - from };
  };
  const cube = windowKind === 'cube' ? stats(0, values.length) : null;
  if (cube && cube.s === 0) throw new InsufficientDataError('every bin of the cube has the same value, so Gi* is undefined');
  const z = new Float64Array(values.length);
  for (let t = 0; t < steps; t++) {
    const g = cube ?? stats(t * cells, (t + 1) * cells);
    if (g.s === 0) continue; // a step with no variation: every bin of it stays at z = 0
    const first = Math.max(0, t - N);
    for (let i = 0; i < cells; i++) {
      let lag = 0,
        wi = 0,
        s1 = 0;
      for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
        const w = nb.weights[p]!;
        const j = nb.indices[p]!;
        for (let u = first; u <= t; u++) lag += w * values[u * cells + j]!;
        const copies = t - first + 1;
        wi += w * copies;
        s1 += w * w * copies;
      }
      const denom = g.s * Math.sqrt((g.n * s1 - wi * wi) / (g.n - 1));
      z[t * cells + i] = denom > 0 ? (lag - g.mean * wi) / denom : 0;
    }
  }
  return z;
}

function mannKendallBefore(series: ArrayLike<number>, alpha = 0.05) {
  const n = series.length;
  if (n < 3) throw new InsufficientDataError(`the Mann-Kendall test needs at least 3 values in the series; got ${n}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(series[i]!)) throw new Error(`value ${i} of the series is not a finite number`);
  let s = 0;
  for (let k = 0; k < n - 1; k++) {
    const xk = series[k]!;
    for (let j = k + 1; j < n; j++) {
      const d = series[j]! - xk;
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
    }
  }
  const groups = new Map<number, number>();
  for (let i = 0; i < n; i++) groups.set(series[i]!, (groups.get(series[i]!) ?? 0) + 1);
  let tieTerm = 0,
    tiePairs = 0;
  for (const t of groups.values()) {
    tieTerm += t * (t - 1) * (2 * t + 5);
    tiePairs += (t * (t - 1)) / 2;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const pairs = (n * (n - 1)) / 2;
  const z = varS > 0 ? (s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0) : 0;
  const zRaw = varS > 0 ? s / Math.sqrt(varS) : 0;
  const p = 2 * normalCdf(-Math.abs(z), 0, 1);
  const tauDenominator = Math.sqrt(pairs * (pairs - tiePairs));
  return {
    n,
    s,
    varS,
    z,
    p,
    pUncorrected: 2 * normalCdf(-Math.abs(zRaw), 0, 1),
    tauB: tauDenominator > 0 ? s / tauDenominator : 0,
    tauA: s / pairs,
    trend: p < alpha ? (s > 0 ? 'increasing' : 'decreasing') : 'no trend',
  };
}

export function classifyEmergingBefore(z: ArrayLike<number>, significance: ArrayLike<number>, trendAlpha = 0.05) {
  const n = z.length;
  if (significance.length !== n) throw new Error(`z has ${n} steps but significance has ${significance.length}`);
  if (n < MIN_STEPS_EMERGING) throw new InsufficientDataError(`emerging hot spot patterns need at least ${MIN_STEPS_EMERGING} time steps; got ${n}`);
  const mk = mannKendallBefore(z, trendAlpha);
  const trend = {
    tau: mk.tauB,
    p: mk.p,
    direction: (mk.trend === 'increasing' ? 'up' : mk.trend === 'decreasing' ? 'down' : 'none') as 'up' | 'down' | 'none',
  };
  const hot = Array.from({ length: n }, (_, t) => significance[t]! > 0);
  const cold = Array.from({ length: n }, (_, t) => significance[t]! < 0);
  const hotSteps = hot.filter(Boolean).length;
  const coldSteps = cold.filter(Boolean).length;
  const pick = (side: boolean[], other: boolean[], name: 'hot' | 'cold', up: 'up' | 'down'): EmergingCategory | null => {
    if (!side[n - 1]) return null;
    const count = side.filter(Boolean).length;
    const frac = count / n;
    const before = count - 1;
    let run = 0;
    while (run < n && side[n - 1 - run]) run++;
    if (before === 0) return `new ${name} spot` as EmergingCategory;
    if (run >= 2 && run === count && frac < 0.9) return `consecutive ${name} spot` as EmergingCategory;
    if (frac >= 0.9) {
      if (trend.direction === up) return `intensifying ${name} spot` as EmergingCategory;
      if (trend.direction === 'none') return `persistent ${name} spot` as EmergingCategory;
      return `diminishing ${name} spot` as EmergingCategory;
    }
    if (other.some(Boolean)) return `oscillating ${name} spot` as EmergingCategory;
    return `sporadic ${name} spot` as EmergingCategory;
  };
  const category =
    pick(hot, cold, 'hot', 'up') ??
    pick(cold, hot, 'cold', 'down') ??
    (hotSteps / n >= 0.9 ? 'historical hot spot' : coldSteps / n >= 0.9 ? 'historical cold spot' : 'no pattern detected');
  return { category, trend, hotSteps, coldSteps };
}

export function classifyShortSeriesBefore(significance: ArrayLike<number>, params: Partial<ShortSeriesParams> = {}): ShortSeriesCategory {
  const p = { ...defaultShortSeriesParams, ...params };
  const P = significance.length;
  if (P < 2) throw new InsufficientDataError(`the short-series patterns need at least 2 periods; got ${P}`);
  for (const [k, v] of Object.entries(p)) if (!(v > 0 && v <= 1)) throw new Error(`${k} must be a share above 0 and at most 1; got ${v}`);
  const r = Math.min(P - 1, Math.max(1, Math.floor(p.recentProp * P)));
  const label = (sign: 1 | -1, name: 'hotspot' | 'coldspot'): ShortSeriesCategory | null => {
    const is = (t: number) => Math.sign(significance[t]!) === sign;
    let all = 0,
      recent = 0,
      older = 0;
    for (let t = 0; t < P; t++)
      if (is(t)) {
        all++;
        if (t >= P - r) recent++;
        else older++;
      }
    const propAll = all / P,
      propRecent = recent / r,
      propOlder = older / (P - r);
    if (propAll >= p.persistentProp) return `persistent ${name}`;
    if (propOlder < p.hotspotProp && propRecent >= p.hotspotProp) return `emerging ${name}`;
    if (propOlder >= p.hotspotProp && propRecent < p.hotspotProp) return `former ${name}`;
    if (propAll >= p.hotspotProp) return `intermittent ${name}`;
    return null;
  };
  const hot = label(1, 'hotspot');
  const cold = label(-1, 'coldspot');
  if (hot && cold) return 'mixed hot/coldspot';
  return hot ?? cold ?? 'no pattern';
}

const LEVELS = [
  { bin: 3, alpha: 0.01 },
  { bin: 2, alpha: 0.05 },
  { bin: 1, alpha: 0.1 },
] as const;

function confidenceBinsBefore(z: ArrayLike<number>, opts: { fdr?: boolean } = {}): { bins: Int8Array; p: Float64Array; thresholds: Record<string, number> } {
  const m = z.length;
  const p = new Float64Array(m);
  for (let i = 0; i < m; i++) p[i] = 2 * normalCdf(-Math.abs(z[i]!), 0, 1);
  const thresholds: Record<string, number> = {};
  for (const { alpha } of LEVELS) thresholds[String(alpha)] = alpha;
  if (opts.fdr ?? true) {
    const sorted = Float64Array.from(p).sort();
    for (const { alpha } of LEVELS) {
      let cut = -1; // no cell significant
      for (let i = m - 1; i >= 0; i--) {
        if (sorted[i]! <= ((i + 1) * alpha) / m) {
          cut = sorted[i]!;
          break;
        }
      }
      thresholds[String(alpha)] = cut;
    }
  }
  // The cut-offs as numbers, most confident first: the loop below runs once per cell and time step.
  const fdr = opts.fdr ?? true;
  const cuts = LEVELS.map(({ alpha }) => thresholds[String(alpha)]!);
  const bins = new Int8Array(m);
  for (let i = 0; i < m; i++) {
    const pi = p[i]!;
    for (let l = 0; l < LEVELS.length; l++) {
      if (fdr ? pi <= cuts[l]! : pi < cuts[l]!) {
        bins[i] = (z[i]! > 0 ? 1 : -1) * LEVELS[l]!.bin;
        break;
      }
    }
  }
  return { bins, p, thresholds };
}

/** The old HotspotStatistics.emergingOver after the cube: Gi*, per-step bins, then each cell on its own. */
export function emergingBefore(
  cube: Float64Array,
  n: number,
  T: number,
  nb: Neighbours,
  o: { timeStep: number; globalWindow: 'cube' | 'time-step'; fdr: boolean; level: number; trendAlpha: number },
) {
  const z = spaceTimeGistarBefore(cube, n, T, nb, { timeStep: o.timeStep, globalWindow: o.globalWindow });
  const sig = new Int8Array(n * T);
  for (let t = 0; t < T; t++) {
    const { bins } = confidenceBinsBefore(z.subarray(t * n, (t + 1) * n), { fdr: o.fdr });
    for (let i = 0; i < n; i++) sig[t * n + i] = Math.abs(bins[i]!) >= o.level ? Math.sign(bins[i]!) : 0;
  }
  const zs = new Float64Array(T),
    ss = new Int8Array(T);
  const results = [];
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) {
      zs[t] = z[t * n + i]!;
      ss[t] = sig[t * n + i]!;
    }
    results.push({ emerging: T >= MIN_STEPS_EMERGING ? classifyEmergingBefore(zs, ss, o.trendAlpha) : null, shortSeries: classifyShortSeriesBefore(ss) });
  }
  return { z, sig, results };
}

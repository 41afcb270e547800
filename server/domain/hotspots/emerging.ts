import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { significantBins } from './confidenceBins';
import { mannKendall, mannKendallCounts } from './mannKendall';
import type { Neighbours } from './neighbours';
import { spaceTimeGistar } from './spaceTimeGistar';
import { InsufficientDataError } from '../errors';

/** The ArcGIS Emerging Hot Spot Analysis patterns, hot and cold, and no pattern. */
export const EMERGING_CATEGORIES = [
  'new hot spot',
  'consecutive hot spot',
  'intensifying hot spot',
  'persistent hot spot',
  'diminishing hot spot',
  'sporadic hot spot',
  'oscillating hot spot',
  'historical hot spot',
  'new cold spot',
  'consecutive cold spot',
  'intensifying cold spot',
  'persistent cold spot',
  'diminishing cold spot',
  'sporadic cold spot',
  'oscillating cold spot',
  'historical cold spot',
  'no pattern detected',
] as const;
export type EmergingCategory = (typeof EMERGING_CATEGORIES)[number];

/** ArcGIS's 90 % rules cannot tell "nearly always" from "always" with fewer than ten steps. */
export const MIN_STEPS_EMERGING = 10;

export interface EmergingResult {
  category: EmergingCategory;
  /** Mann-Kendall on the location's Gi* z-scores: the trend of the intensity of clustering. */
  trend: { tau: number; p: number; direction: 'up' | 'down' | 'none' };
  hotSteps: number;
  coldSteps: number;
}

/**
 * Classifies one location from its per-step Gi* z-scores and significance, by ArcGIS Pro's Emerging
 * Hot Spot Analysis definitions (pro.arcgis.com, "How Emerging Hot Spot Analysis works"). With H_t a
 * significant hot bin at step t, n steps and fracH = ΣH/n (cold: swap hot and cold, and the trend sign):
 * - new: hot at the final step, never hot before;
 * - consecutive: a run of at least 2 hot steps ending at the final step, never hot before the run, fracH < 90 %;
 * - intensifying: fracH ≥ 90 %, hot at the final step, Mann-Kendall trend of z significantly up;
 * - persistent: fracH ≥ 90 %, hot at the final step, no significant trend (harmgrid requires the final
 *   step, as xarray-spatial does, so that persistent and historical do not overlap);
 * - diminishing: fracH ≥ 90 %, hot at the final step, trend significantly down;
 * - sporadic: hot at the final step (the newer Esri wording), hot before but < 90 %, never cold;
 * - oscillating: hot at the final step, cold at some earlier step, fracH < 90 %;
 * - historical: not hot at the final step, fracH ≥ 90 %;
 * - no pattern detected: none of these.
 * Final-step patterns are tested first (a location is hot or cold at the final step, never both), then
 * historical. Needs at least MIN_STEPS_EMERGING steps; the caller reports shorter series as such.
 * @param significance per step: +1 significant hot, −1 significant cold, 0 not significant
 */
export function classifyEmerging(z: ArrayLike<number>, significance: ArrayLike<number>, trendAlpha = 0.05): EmergingResult {
  const n = z.length;
  if (significance.length !== n) throw new Error(`z has ${n} steps but significance has ${significance.length}`);
  if (n < MIN_STEPS_EMERGING) throw new InsufficientDataError(`emerging hot spot patterns need at least ${MIN_STEPS_EMERGING} time steps; got ${n}`);
  const mk = mannKendall(z, trendAlpha);
  const trend = {
    tau: mk.tauB,
    p: mk.p,
    direction: (mk.trend === 'increasing' ? 'up' : mk.trend === 'decreasing' ? 'down' : 'none') as 'up' | 'down' | 'none',
  };
  const steps = new Int32Array(2);
  const category = EMERGING_CATEGORIES[emergingCategoryAt(significance, 0, 1, n, trend.direction === 'up' ? 1 : trend.direction === 'down' ? -1 : 0, steps)]!;
  return { category, trend, hotSteps: steps[0]!, coldSteps: steps[1]! };
}

/** Every location of a cube classified: indices into EMERGING_CATEGORIES, and the trend of each. */
export interface EmergingCube {
  category: Uint8Array;
  tau: Float64Array;
  p: Float64Array;
  /** +1 up, −1 down, 0 none. */
  direction: Int8Array;
  hotSteps: Int32Array;
  coldSteps: Int32Array;
}

/**
 * classifyEmerging for every cell of a space-time cube, without a per-cell allocation: z and
 * significance hold step t of cell i at t·cells + i. The Mann-Kendall figures are those of
 * mannKendall (the same S, Var(S), tau-b and continuity-corrected p, from mannKendallCounts).
 */
export function classifyEmergingCube(z: ArrayLike<number>, significance: ArrayLike<number>, cells: number, steps: number, trendAlpha = 0.05): EmergingCube {
  if (z.length !== cells * steps || significance.length !== cells * steps)
    throw new Error(`the cube has ${z.length} z-scores and ${significance.length} significances but ${cells} cells × ${steps} steps = ${cells * steps}`);
  if (steps < MIN_STEPS_EMERGING) throw new InsufficientDataError(`emerging hot spot patterns need at least ${MIN_STEPS_EMERGING} time steps; got ${steps}`);
  for (let k = 0; k < z.length; k++) if (!Number.isFinite(z[k]!)) throw new Error(`z-score ${k} of the cube is not a finite number`);
  const out: EmergingCube = {
    category: new Uint8Array(cells),
    tau: new Float64Array(cells),
    p: new Float64Array(cells),
    direction: new Int8Array(cells),
    hotSteps: new Int32Array(cells),
    coldSteps: new Int32Array(cells),
  };
  const n = steps;
  const a = new Float64Array(n),
    b = new Float64Array(n),
    counts = new Float64Array(3),
    stepCounts = new Int32Array(2);
  const pairs = (n * (n - 1)) / 2;
  for (let i = 0; i < cells; i++) {
    mannKendallCounts(z, i, cells, n, a, b, counts);
    const s = counts[0]!,
      tieTerm = counts[1]!,
      tiePairs = counts[2]!;
    // As mannKendall: Var(S) with the tie correction, z with continuity correction, two-sided p.
    const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
    const zMk = varS > 0 ? (s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0) : 0;
    const p = 2 * normalCdf(-Math.abs(zMk), 0, 1);
    const tauDenominator = Math.sqrt(pairs * (pairs - tiePairs));
    const direction = p < trendAlpha ? (s > 0 ? 1 : -1) : 0;
    out.tau[i] = tauDenominator > 0 ? s / tauDenominator : 0;
    out.p[i] = p;
    out.direction[i] = direction;
    out.category[i] = emergingCategoryAt(significance, i, cells, n, direction, stepCounts);
    out.hotSteps[i] = stepCounts[0]!;
    out.coldSteps[i] = stepCounts[1]!;
  }
  return out;
}

// Indices into EMERGING_CATEGORIES: a hot pattern, the same cold pattern 8 further on.
const NEW = 0,
  CONSECUTIVE = 1,
  INTENSIFYING = 2,
  PERSISTENT = 3,
  DIMINISHING = 4,
  SPORADIC = 5,
  OSCILLATING = 6,
  HISTORICAL = 7,
  COLD = 8,
  NO_PATTERN = 16;

/**
 * The rules of classifyEmerging for the location whose significance at step t is
 * significance[offset + t·stride], with the Mann-Kendall direction of its z (+1 up, −1 down, 0 none);
 * returns the index into EMERGING_CATEGORIES and writes the hot and cold step counts to `steps`.
 * One location of a cube is read in place, so a whole cube is classified without allocating.
 */
export function emergingCategoryAt(significance: ArrayLike<number>, offset: number, stride: number, n: number, direction: number, steps: Int32Array): number {
  let hotSteps = 0,
    coldSteps = 0;
  for (let t = 0, k = offset; t < n; t++, k += stride) {
    const v = significance[k]!;
    if (v > 0) hotSteps++;
    else if (v < 0) coldSteps++;
  }
  steps[0] = hotSteps;
  steps[1] = coldSteps;
  const last = significance[offset + (n - 1) * stride]!;
  if (last === 0 || Number.isNaN(last)) return hotSteps / n >= 0.9 ? HISTORICAL : coldSteps / n >= 0.9 ? HISTORICAL + COLD : NO_PATTERN;
  // Final-step patterns: hot at the final step (cold: the mirror, with the trend's sign swapped).
  const hot = last > 0;
  const count = hot ? hotSteps : coldSteps;
  const base = hot ? 0 : COLD;
  const frac = count / n;
  let run = 0;
  for (let k = offset + (n - 1) * stride; run < n; run++, k -= stride) {
    const v = significance[k]!;
    if (!(hot ? v > 0 : v < 0)) break;
  }
  if (count - 1 === 0) return base + NEW;
  if (run >= 2 && run === count && frac < 0.9) return base + CONSECUTIVE;
  if (frac >= 0.9) {
    if (direction === (hot ? 1 : -1)) return base + INTENSIFYING;
    if (direction === 0) return base + PERSISTENT;
    return base + DIMINISHING;
  }
  if ((hot ? coldSteps : hotSteps) > 0) return base + OSCILLATING;
  return base + SPORADIC;
}

/** sfhotspot's four patterns for short series (Chainey 2020, as R's sfhotspot::hotspot_classify). */
export const SHORT_SERIES_CATEGORIES = [
  'persistent hotspot',
  'emerging hotspot',
  'former hotspot',
  'intermittent hotspot',
  'persistent coldspot',
  'emerging coldspot',
  'former coldspot',
  'intermittent coldspot',
  'mixed hot/coldspot',
  'no pattern',
] as const;
export type ShortSeriesCategory = (typeof SHORT_SERIES_CATEGORIES)[number];

export interface ShortSeriesParams {
  /** A location is a hot spot in a share of periods at least this (default 0.1). */
  hotspotProp: number;
  /** Persistent: significant hot in at least this share of all periods (default 0.8). */
  persistentProp: number;
  /** The recent window is this share of the periods, at least one period (default 0.2). */
  recentProp: number;
}
export const defaultShortSeriesParams: ShortSeriesParams = { hotspotProp: 0.1, persistentProp: 0.8, recentProp: 0.2 };

/**
 * sfhotspot-style classification from per-period significance (+1 hot, −1 cold, 0 neither), meant for
 * short series where the 90 % rules above mean little. With P periods, the recent window is the last
 * r = max(1, ⌊recentProp·P⌋) periods and the older window the P − r before them:
 * persistent: hot in ≥ persistentProp of all periods; emerging: hot in < hotspotProp of the older
 * periods and ≥ hotspotProp of the recent ones; former: hot in ≥ hotspotProp of the older periods and
 * < hotspotProp of the recent ones; intermittent: hot in ≥ hotspotProp of all periods; tested in that
 * order, the same for cold; both a hot and a cold label → mixed. harmgrid's windows do not overlap
 * (sfhotspot 1.0.0 counts period P − r in both and divides the recent count by r) and emerging compares
 * with hotspotProp as sfhotspot's documentation says (its code uses recentProp).
 */
export function classifyShortSeries(significance: ArrayLike<number>, params: Partial<ShortSeriesParams> = {}): ShortSeriesCategory {
  const p = shortSeriesParams(significance.length, params);
  return SHORT_SERIES_CATEGORIES[shortSeriesAt(significance, 0, 1, significance.length, p)]!;
}

/** The checked parameters of classifyShortSeries for P periods, with the recent window's length r. */
export function shortSeriesParams(P: number, params: Partial<ShortSeriesParams> = {}): ShortSeriesParams & { r: number } {
  const p = { ...defaultShortSeriesParams, ...params };
  if (P < 2) throw new InsufficientDataError(`the short-series patterns need at least 2 periods; got ${P}`);
  for (const [k, v] of Object.entries(p)) if (!(v > 0 && v <= 1)) throw new Error(`${k} must be a share above 0 and at most 1; got ${v}`);
  return { ...p, r: Math.min(P - 1, Math.max(1, Math.floor(p.recentProp * P))) };
}

/**
 * The rules of classifyShortSeries for the location whose significance in period t is
 * significance[offset + t·stride]; returns the index into SHORT_SERIES_CATEGORIES. One location of a
 * cube is read in place, so a whole cube is classified without allocating.
 */
export function shortSeriesAt(significance: ArrayLike<number>, offset: number, stride: number, P: number, p: ShortSeriesParams & { r: number }): number {
  const r = p.r;
  let hotAll = 0,
    hotRecent = 0,
    coldAll = 0,
    coldRecent = 0;
  for (let t = 0, k = offset; t < P; t++, k += stride) {
    const sign = Math.sign(significance[k]!);
    if (sign === 1) {
      hotAll++;
      if (t >= P - r) hotRecent++;
    } else if (sign === -1) {
      coldAll++;
      if (t >= P - r) coldRecent++;
    }
  }
  const hot = shortSeriesLabel(hotAll, hotRecent, P, p);
  const cold = shortSeriesLabel(coldAll, coldRecent, P, p);
  if (hot >= 0 && cold >= 0) return 8; // mixed hot/coldspot
  if (hot >= 0) return hot;
  if (cold >= 0) return 4 + cold;
  return 9; // no pattern
}

/** 0…3 persistent, emerging, former, intermittent (add 4 for the coldspot ones); −1 none. */
function shortSeriesLabel(all: number, recent: number, P: number, p: ShortSeriesParams & { r: number }): number {
  const older = all - recent;
  const propAll = all / P,
    propRecent = recent / p.r,
    propOlder = older / (P - p.r);
  if (propAll >= p.persistentProp) return 0;
  if (propOlder < p.hotspotProp && propRecent >= p.hotspotProp) return 1;
  if (propOlder >= p.hotspotProp && propRecent < p.hotspotProp) return 2;
  if (propAll >= p.hotspotProp) return 3;
  return -1;
}

/** classifyShortSeries for every cell of a cube (significance of step t of cell i at t·cells + i): indices into SHORT_SERIES_CATEGORIES. */
export function classifyShortSeriesCube(significance: ArrayLike<number>, cells: number, steps: number, params: Partial<ShortSeriesParams> = {}): Uint8Array {
  if (significance.length !== cells * steps)
    throw new Error(`the cube has ${significance.length} significances but ${cells} cells × ${steps} steps = ${cells * steps}`);
  const p = shortSeriesParams(steps, params);
  const out = new Uint8Array(cells);
  for (let i = 0; i < cells; i++) out[i] = shortSeriesAt(significance, i, cells, steps, p);
  return out;
}

/**
 * Emerging hot spot analysis of a cube (step t of cell i at t·cells + i): space-time Gi* (spaceTimeGistar),
 * significance per step at `level` with FDR over the step's cells when `fdr` (significantBins), then
 * the ArcGIS patterns with the Mann-Kendall trend of each cell's z (classifyEmergingCube; null below
 * MIN_STEPS_EMERGING steps) and the sfhotspot short-series patterns (null below 2 steps).
 */
export function emergingPatterns(
  cube: Float64Array,
  cells: number,
  steps: number,
  nb: Neighbours,
  o: { timeStep: number; globalWindow: 'cube' | 'time-step'; fdr: boolean; level: number; trendAlpha: number },
): { z: Float64Array; sig: Int8Array; enough: boolean; results: { emerging: EmergingResult | null; shortSeries: ShortSeriesCategory | null }[] } {
  const z = spaceTimeGistar(cube, cells, steps, nb, { timeStep: o.timeStep, globalWindow: o.globalWindow });
  const sig = significantBins(z, cells, steps, { fdr: o.fdr, level: o.level });
  const enough = steps >= MIN_STEPS_EMERGING;
  const patterns = enough ? classifyEmergingCube(z, sig, cells, steps, o.trendAlpha) : null;
  const short = steps >= 2 ? classifyShortSeriesCube(sig, cells, steps) : null;
  const direction = ['down', 'none', 'up'] as const;
  const results: { emerging: EmergingResult | null; shortSeries: ShortSeriesCategory | null }[] = new Array(cells);
  for (let i = 0; i < cells; i++) {
    results[i] = {
      emerging: patterns
        ? {
            category: EMERGING_CATEGORIES[patterns.category[i]!]!,
            trend: { tau: patterns.tau[i]!, p: patterns.p[i]!, direction: direction[patterns.direction[i]! + 1]! },
            hotSteps: patterns.hotSteps[i]!,
            coldSteps: patterns.coldSteps[i]!,
          }
        : null,
      shortSeries: short ? SHORT_SERIES_CATEGORIES[short[i]!]! : null,
    };
  }
  return { z, sig, enough, results };
}

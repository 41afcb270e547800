import { mannKendall } from './mannKendall';
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

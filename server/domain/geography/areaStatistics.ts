import { countChange, type CountChange } from '../countChange';
import { addMonths, monthRange, type Month } from '../months';
import { relativeChange, type RelativeChange } from '../relativeChange';
import type { Phase } from './places';

export interface MonthCount {
  month: Month;
  incidents: number;
  harm: number;
}

/** Sums of a monthly series over a window of months (missing months count as zero). */
function windowTotal(series: Map<Month, MonthCount>, from: Month, to: Month): { incidents: number; harm: number } {
  let incidents = 0,
    harm = 0;
  for (const m of monthRange(from, to)) {
    incidents += series.get(m)?.incidents ?? 0;
    harm += series.get(m)?.harm ?? 0;
  }
  return { incidents, harm };
}

export interface WindowComparison {
  label: string;
  recent: { from: Month; to: Month; incidents: number; harm: number };
  earlier: { from: Month; to: Month; incidents: number; harm: number } | null;
  /** The change of the incident count and whether it is more than chance; null when earlier months are not loaded. */
  test: CountChange | null;
  note: string | null;
}

/**
 * The last `window` months against the `window` months before them and against the same months a
 * year earlier, each with an exact test of the change in the incident count.
 *
 * Rule: counts of incidents in an area are treated as Poisson; the change between two windows of equal
 * length is tested with the exact conditional test (domain/countChange: given n = x0 + x1, the recent
 * count is Binomial(n, ½) when the rate did not change; two-sided, as R's `poisson.test`). Harm is
 * reported but not tested (weighted sums are not Poisson). A comparison whose earlier window starts
 * before the first loaded month is not made, and the note says so.
 * Reference: Przyborowski & Wilenski (1940); user-needs §3.2 (Wheeler's Poisson tests of short-run changes).
 * @example compareWindows(series, '2021-09', '2018-01')
 *          // last 3 months 2021-07…09 against 2021-04…06 and against 2020-07…09
 */
export function compareWindows(series: MonthCount[], lastMonth: Month, firstLoaded: Month, window = 3, alpha = 0.05): WindowComparison[] {
  if (!Number.isInteger(window) || window < 1 || window > 24) throw new Error(`window must be a whole number of months from 1 to 24; got ${window}`);
  monthRange(firstLoaded, lastMonth);
  const byMonth = new Map(series.map((s) => [s.month, s]));
  const recentFrom = addMonths(lastMonth, -(window - 1));
  const recent = { from: recentFrom, to: lastMonth, ...windowTotal(byMonth, recentFrom, lastMonth) };
  const compare = (label: string, from: Month): WindowComparison => {
    const to = addMonths(from, window - 1);
    if (from < firstLoaded)
      return { label, recent, earlier: null, test: null, note: `the earlier window (${from}…${to}) starts before the first loaded month (${firstLoaded})` };
    const earlier = { from, to, ...windowTotal(byMonth, from, to) };
    return {
      label,
      recent,
      earlier,
      test: countChange({ before: { count: earlier.incidents, exposure: window }, after: { count: recent.incidents, exposure: window } }, alpha),
      note: null,
    };
  };
  return [
    compare(`last ${window} months against the previous ${window}`, addMonths(recentFrom, -window)),
    compare(`last ${window} months against the same months a year earlier`, addMonths(recentFrom, -12)),
  ];
}

export interface PhaseComparison extends Phase {
  area: { incidents: number; harm: number; perMonth: number };
  comparison: { incidents: number; harm: number; perMonth: number };
  /** Against "before clear": the area's own change with its exact test. */
  areaChange: CountChange | null;
  comparisonChange: CountChange | null;
  /** The area's change relative to the comparison's over the same months (ratio of rate ratios). */
  relative: RelativeChange | null;
}

/**
 * Each Clear-Hold-Build phase of a zone against its "before clear" baseline, and against the change of
 * a comparison (force-wide) over the same months — the strategy's "54 % in the HCHH areas against
 * 31 % force-wide".
 *
 * Rule: per phase, the zone's incidents per month against the baseline's (exact conditional Poisson
 * test, exposures = months), the comparison's likewise, and the ratio of the two rate ratios with its
 * log-normal interval (domain/relativeChange; < 1: the zone did better than the comparison). Both
 * series cover the same months, so the months cancel in the ratio of rate ratios.
 * @example phaseComparison(zoneSeries, forceSeries, zonePhases(zone, '2018-01', '2021-09'))
 */
export function phaseComparison(area: MonthCount[], comparison: MonthCount[], phases: Phase[], alpha = 0.05): PhaseComparison[] {
  const a = new Map(area.map((s) => [s.month, s]));
  const c = new Map(comparison.map((s) => [s.month, s]));
  const baseline = phases.find((p) => p.phase === 'before clear') ?? null;
  const sum = (m: Map<Month, MonthCount>, p: Phase) => {
    const t = windowTotal(m, p.from, p.to);
    return { ...t, perMonth: t.incidents / p.months };
  };
  const base = baseline ? { area: sum(a, baseline), comparison: sum(c, baseline) } : null;
  return phases.map((p) => {
    const area = sum(a, p),
      comp = sum(c, p);
    const isBase = p.phase === 'before clear' || !base || !baseline;
    return {
      ...p,
      area,
      comparison: comp,
      areaChange: isBase
        ? null
        : countChange({ before: { count: base.area.incidents, exposure: baseline.months }, after: { count: area.incidents, exposure: p.months } }, alpha),
      comparisonChange: isBase
        ? null
        : countChange({ before: { count: base.comparison.incidents, exposure: baseline.months }, after: { count: comp.incidents, exposure: p.months } }, alpha),
      // The raw counts: area and comparison share the months, so (a1/t1 ÷ a0/t0) ÷ (c1/t1 ÷ c0/t0) = (a1/a0) ÷ (c1/c0).
      // (relativeChange's own percentages are of raw counts; the per-month changes are areaChange and comparisonChange.)
      relative: isBase
        ? null
        : relativeChange({ before: base.area.incidents, after: area.incidents }, { before: base.comparison.incidents, after: comp.incidents }, alpha),
    };
  });
}

export interface OffenceShare {
  category: string;
  incidents: number;
  harm: number;
  shareOfIncidents: number;
  shareOfHarm: number;
}

/**
 * Offence mix: incidents and harm per offence category with their shares, most harm first.
 * @example offenceMix([{ category: 'Robbery', incidents: 3, harm: 30 }, { category: 'Violence and sexual offences', incidents: 9, harm: 45 }])
 */
export function offenceMix(rows: { category: string; incidents: number; harm: number }[]): OffenceShare[] {
  for (const r of rows)
    if (!Number.isInteger(r.incidents) || r.incidents < 0) throw new Error(`incidents of "${r.category}" must be a whole number ≥ 0; got ${r.incidents}`);
  const n = rows.reduce((s, r) => s + r.incidents, 0);
  const h = rows.reduce((s, r) => s + r.harm, 0);
  return rows
    .map((r) => ({ ...r, shareOfIncidents: n ? r.incidents / n : 0, shareOfHarm: h ? r.harm / h : 0 }))
    .sort((x, y) => y.harm - x.harm || y.incidents - x.incidents || x.category.localeCompare(y.category));
}

/**
 * Incidents per 1,000 residents over a period and per year.
 * @example ratePerThousand(120, 8000, 12) // { perThousand: 15, perThousandPerYear: 15 }
 */
export function ratePerThousand(incidents: number, population: number, months: number): { perThousand: number; perThousandPerYear: number } {
  if (!(population > 0)) throw new Error(`population must be positive; got ${population}`);
  if (!Number.isInteger(months) || months < 1) throw new Error(`months must be a whole number ≥ 1; got ${months}`);
  const perThousand = (incidents / population) * 1000;
  return { perThousand, perThousandPerYear: (perThousand * 12) / months };
}

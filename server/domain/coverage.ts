import { addMonths, monthRange, type Month } from './months';

/**
 * Coverage: which months of a source a force's data holds, and how completely. A month that is not
 * loaded is not a month without crime, so every figure asks this before it sums months.
 *
 * Rules (each month of a source, within the span of the force's loaded months):
 * - missing: no import of the source covers the month (an import covers its first to last month);
 * - partial, short latest month: the source's latest loaded month holds fewer than half the median
 *   of its previous six loaded months (at least three needed), as a late or part-published month does;
 * - partial, cut days: for a timed source (most incidents carry a time), an import that starts after
 *   the month's first day or ends before its last, when g days without any incident there have a
 *   chance under a Poisson process at the month's daily rate λ below one in a thousand,
 *   exp(−λ·g) < 0.001 — a force extract ending mid-month (Poisson zero probability; e.g. Diggle, "Statistical Analysis of Spatial and
 *   Spatio-Temporal Point Patterns", 2013, ch. 2, for the homogeneous process);
 * - partial, districts left out: a district with no incident in the month whose median monthly
 *   count over the source's loaded months is at least 10 (exp(−10) < 0.0001): the file covers part
 *   of the force; the district is missing that month;
 * - loaded otherwise.
 * @example classifySourceMonths({ source: 'data.police.uk', months: [...], imports: [{ first: '2021-01', last: '2021-01' }] }, { first: '2021-01', last: '2021-03' })
 */
export type CoverageStatus = 'loaded' | 'partial' | 'missing';

export interface SourceMonthCounts {
  month: Month;
  incidents: number;
  /** Incidents with a time, by UK local day 'YYYY-MM-DD'. */
  days: Map<string, number>;
  /** Incidents by district code (those not tagged to a district are left out). */
  districts: Map<string, number>;
}

export interface SourceCounts {
  source: string;
  months: SourceMonthCounts[];
  /** The month spans of the imports that brought this source's incidents. */
  imports: { first: Month; last: Month }[];
  /** Timed sources: the first and last day of each import's incidents ('YYYY-MM-DD'). */
  extents?: { first: string; last: string }[];
}

export interface MonthCoverage {
  month: Month;
  status: CoverageStatus;
  incidents: number;
  reasons: string[];
  /** For timed months: the first and last day holding an incident. */
  days: { first: string; last: string } | null;
  /** District codes that are missing in this month (the file covers part of the force). */
  missingDistricts: string[];
  /** Partial only because the data starts or ends inside the month: the days from `days.first` to `days.last` are whole. */
  cutOnly: boolean;
}

export const SHORT_MONTH_SHARE = 0.5;
export const SHORT_MONTH_HISTORY = 6;
export const CUT_DAYS_P = 0.001;
export const DISTRICT_MEDIAN_MIN = 10;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? 0 : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

function daysOf(month: Month): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/**
 * Where an import of a timed source starts after the first day of a month or ends before its last,
 * the days outside it are cut when no incident there is implausible at the month's daily rate λ
 * (incidents per covered day): exp(−λ·days) < CUT_DAYS_P. An extract's own months inside its span are
 * never cut (a quiet day is a quiet day). Returns the days the imports cover in the month.
 */
export function cutDays(
  month: Month,
  extents: { first: string; last: string }[],
  timed: number,
): { first: string; last: string; cut: { from: string; to: string; days: number }[] } | null {
  const all = daysOf(month);
  const start = all[0]!,
    end = all[all.length - 1]!;
  const touching = extents.filter((e) => e.first <= end && e.last >= start);
  if (touching.length === 0 || timed === 0) return null;
  const first = touching.map((e) => (e.first < start ? start : e.first)).sort()[0]!;
  const last = touching
    .map((e) => (e.last > end ? end : e.last))
    .sort()
    .reverse()[0]!;
  const covered = all.filter((d) => d >= first && d <= last).length;
  const rate = timed / covered;
  const cut: { from: string; to: string; days: number }[] = [];
  const before = all.filter((d) => d < first),
    after = all.filter((d) => d > last);
  if (before.length && Math.exp(-rate * before.length) < CUT_DAYS_P) cut.push({ from: before[0]!, to: before[before.length - 1]!, days: before.length });
  if (after.length && Math.exp(-rate * after.length) < CUT_DAYS_P) cut.push({ from: after[0]!, to: after[after.length - 1]!, days: after.length });
  return { first: cut.some((c) => c.from === start) ? first : start, last: cut.some((c) => c.to === end) ? last : end, cut };
}

/**
 * Each month of one source from `span.first` to `span.last`, by the rules above.
 * @param districtName names districts in reasons (codes otherwise)
 */
export function classifySourceMonths(s: SourceCounts, span: { first: Month; last: Month }, districtName: (code: string) => string = (c) => c): MonthCoverage[] {
  const counts = new Map(s.months.map((m) => [m.month, m]));
  const covered = new Set<Month>();
  for (const i of s.imports) for (const m of monthRange(i.first, i.last)) covered.add(m);
  for (const m of s.months) if (m.incidents > 0) covered.add(m.month);
  const loaded = [...covered].sort();
  const latest = loaded[loaded.length - 1];
  const timedSource =
    s.months.reduce((a, m) => a + [...m.days.values()].reduce((x, n) => x + n, 0), 0) >= 0.9 * s.months.reduce((a, m) => a + m.incidents, 0) &&
    s.months.some((m) => m.days.size > 0);
  // A district belongs to the source's footprint when it holds many incidents in a typical month.
  const districtMedians = new Map<string, number>();
  for (const code of new Set(s.months.flatMap((m) => [...m.districts.keys()]))) {
    districtMedians.set(code, median(loaded.map((m) => counts.get(m)?.districts.get(code) ?? 0)));
  }
  return monthRange(span.first, span.last).map((month): MonthCoverage => {
    const c = counts.get(month);
    const incidents = c?.incidents ?? 0;
    if (!covered.has(month))
      return { month, status: 'missing', incidents, reasons: [`no ${s.source} import covers ${month}`], days: null, missingDistricts: [], cutOnly: false };
    const reasons: string[] = [];
    if (month === latest) {
      const before = loaded
        .filter((m) => m < month)
        .slice(-SHORT_MONTH_HISTORY)
        .map((m) => counts.get(m)?.incidents ?? 0);
      const med = median(before);
      if (before.length >= 3 && incidents < SHORT_MONTH_SHARE * med) {
        reasons.push(
          `the latest month holds ${incidents} incidents, ${Math.round((incidents / med) * 100)} % of the median of the ${before.length} months before (${med}): it looks partly published`,
        );
      }
    }
    let days: MonthCoverage['days'] = null;
    let cutOnly = false;
    if (timedSource && c && c.days.size) {
      const extent = cutDays(
        month,
        s.extents ?? [],
        [...c.days.values()].reduce((a, n) => a + n, 0),
      );
      if (extent) {
        days = { first: extent.first, last: extent.last };
        for (const cut of extent.cut)
          reasons.push(
            `the data ${cut.from.endsWith('-01') ? `starts on ${extent.first}` : `ends on ${extent.last}`}: no incident from ${cut.from} to ${cut.to} (${cut.days} days; chance below ${CUT_DAYS_P} at this month's rate), so the data covers part of the month`,
          );
        cutOnly = extent.cut.length > 0 && reasons.length === extent.cut.length;
      }
    }
    const missingDistricts = [...districtMedians.entries()]
      .filter(([code, med]) => med >= DISTRICT_MEDIAN_MIN && !(c?.districts.get(code) ?? 0))
      .map(([code]) => code)
      .sort();
    if (missingDistricts.length)
      reasons.push(
        `no incident in ${missingDistricts.map(districtName).join(', ')} (usually ${missingDistricts.map((d) => districtMedians.get(d)).join(', ')} a month): the data covers part of the force`,
      );
    return {
      month,
      status: reasons.length ? 'partial' : 'loaded',
      incidents,
      reasons,
      days,
      missingDistricts,
      cutOnly: cutOnly && missingDistricts.length === 0,
    };
  });
}

/** One source of one force, classified month by month. */
export interface SeriesCoverage {
  force: string | null;
  source: string;
  months: MonthCoverage[];
}

/** What a period's figures can rely on, for the sources a context reads. */
export interface PeriodCoverage {
  from: Month;
  to: Month;
  complete: boolean;
  /** Months no source of the context holds (for some force in scope). */
  missing: Month[];
  partial: { month: Month; source: string; force: string | null; reasons: string[] }[];
  /** Months held by some of the context's sources but not all: figures there stand for those only. */
  singleSource: { month: Month; force: string | null; sources: string[]; without: string[] }[];
  sources: string[];
  statement: string;
}

/** Names months compactly: '2021-10, 2021-11' or '2021-01 … 2021-06 (6 months)'. */
export function nameMonths(months: Month[]): string {
  if (months.length === 0) return 'none';
  const runs: Month[][] = [];
  for (const m of months) {
    const last = runs[runs.length - 1];
    if (last && addMonths(last[last.length - 1]!, 1) === m) last.push(m);
    else runs.push([m]);
  }
  return runs.map((r) => (r.length <= 2 ? r.join(', ') : `${r[0]} … ${r[r.length - 1]} (${r.length} months)`)).join(', ');
}

/**
 * The coverage of a period for a context's series (its forces and the sources its definition reads).
 * A month is missing when, for some force, none of its sources holds it; it is held by one source
 * when some hold it and others do not; partial when a source holding it is partial there. Months
 * beyond everything loaded are missing.
 */
export function periodCoverage(series: SeriesCoverage[], from: Month, to: Month): PeriodCoverage {
  const months = monthRange(from, to);
  const forces = [...new Set(series.map((s) => s.force))];
  const missing = new Set<Month>();
  const partial: PeriodCoverage['partial'] = [];
  const singleSource: PeriodCoverage['singleSource'] = [];
  for (const force of forces) {
    const own = series.filter((s) => s.force === force);
    const byMonth = own.map((s) => ({ source: s.source, m: new Map(s.months.map((x) => [x.month, x])) }));
    for (const month of months) {
      const held = byMonth.filter((b) => (b.m.get(month)?.status ?? 'missing') !== 'missing');
      if (held.length === 0) {
        missing.add(month);
        continue;
      }
      if (held.length < byMonth.length) {
        singleSource.push({ month, force, sources: held.map((b) => b.source), without: byMonth.filter((b) => !held.includes(b)).map((b) => b.source) });
      }
      for (const b of held) {
        const c = b.m.get(month)!;
        if (c.status === 'partial') partial.push({ month, source: b.source, force, reasons: c.reasons });
      }
    }
  }
  const missingList = months.filter((m) => missing.has(m));
  const sources = [...new Set(series.map((s) => s.source))].sort();
  const parts: string[] = [];
  if (series.length === 0) parts.push('no incidents of this definition are loaded');
  if (missingList.length) parts.push(`${missingList.length} of the ${months.length} months are not loaded: ${nameMonths(missingList)}`);
  if (partial.length) parts.push(`partial: ${partial.map((p) => `${p.month} (${p.source}: ${p.reasons.join('; ')})`).join('; ')}`);
  if (singleSource.length) {
    const groups = new Map<string, Month[]>();
    for (const s of singleSource)
      groups.set(`${s.sources.join(' + ')} only (no ${s.without.join(', ')})`, [
        ...(groups.get(`${s.sources.join(' + ')} only (no ${s.without.join(', ')})`) ?? []),
        s.month,
      ]);
    parts.push(`months held by some sources only: ${[...groups.entries()].map(([k, ms]) => `${nameMonths([...new Set(ms)].sort())}: ${k}`).join('; ')}`);
  }
  const complete = series.length > 0 && missingList.length === 0 && partial.length === 0;
  if (!complete && series.length) parts.push('figures over the whole period count the months held only: a missing month is unknown, not zero');
  return {
    from,
    to,
    complete,
    missing: missingList,
    partial,
    singleSource,
    sources,
    // Each part is a sentence of its own.
    statement: parts.length
      ? parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('. ')
      : `every month from ${from} to ${to} is loaded for ${sources.join(', ')}`,
  };
}

/** Months of a period that are fully held (not missing, not partial). */
export function completeMonths(p: PeriodCoverage): Month[] {
  const bad = new Set([...p.missing, ...p.partial.map((x) => x.month)]);
  return monthRange(p.from, p.to).filter((m) => !bad.has(m));
}

/** The longest run of consecutive complete months of a period (the latest such run on ties). */
export function longestCompleteRun(p: PeriodCoverage): { from: Month; to: Month; months: number } | null {
  const ok = new Set(completeMonths(p));
  let best: { from: Month; to: Month; months: number } | null = null;
  let run: Month[] = [];
  for (const m of [...monthRange(p.from, p.to), null]) {
    if (m !== null && ok.has(m)) {
      run.push(m);
      continue;
    }
    if (run.length && (!best || run.length >= best.months)) best = { from: run[0]!, to: run[run.length - 1]!, months: run.length };
    run = [];
  }
  return best;
}

/**
 * Which ISO weeks (by their Monday, 'YYYY-MM-DD') are wholly held by every series: each of the seven
 * days lies in a month that is loaded, or partial only because the data starts or ends inside it and
 * the day lies within the data.
 */
export function completeWeeks(series: SeriesCoverage[], mondays: string[]): boolean[] {
  const byMonth = series.map((s) => new Map(s.months.map((m) => [m.month, m])));
  const dayOk = (day: string) =>
    byMonth.every((m) => {
      const c = m.get(day.slice(0, 7));
      if (!c || c.status === 'missing') return false;
      if (c.status === 'loaded') return true;
      return c.cutOnly && c.days !== null && day >= c.days.first && day <= c.days.last;
    });
  return mondays.map((monday) => {
    const t = Date.parse(`${monday}T00:00:00Z`);
    return Array.from({ length: 7 }, (_, i) => new Date(t + i * 86_400_000).toISOString().slice(0, 10)).every(dayOk);
  });
}

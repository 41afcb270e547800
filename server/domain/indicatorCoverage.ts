import { countChange } from './countChange';
import { nameMonths } from './coverage';
import type { IndicatorRow, IndicatorTable } from './indicatorTable';
import type { Month } from './months';
import { ragStatus, type RagRule } from './rag';

/** How an indicator treats a period holding months that are not (fully) loaded. */
export const COVERAGE_ADJUSTMENTS = ['none', 'loaded-months'] as const;
export type CoverageAdjustment = (typeof COVERAGE_ADJUSTMENTS)[number];

export interface RowCoverage {
  complete: boolean;
  missing: Month[];
  partial: Month[];
  /** Months the row's value and test stand on. */
  monthsUsed: number;
  adjusted: boolean;
}

export type CoveredRow = IndicatorRow & { coverage: RowCoverage };

/**
 * Marks the rows of an indicator table whose months are not all loaded. A missing month is unknown,
 * not zero, so by default such a row is incomplete: it keeps the sum of the months it has, but
 * carries no change test and no RAG status, and the table names the missing months. With the
 * documented adjustment 'loaded-months' the row (and the baseline) are compared per loaded month
 * instead: the value is the sum over the complete months, the baseline equivalent is the baseline's
 * rate per complete month times the row's complete months, and the exact conditional Poisson test
 * uses the numbers of complete months as exposures — the same test with the exposure the data holds.
 * @example markCoverage(table, monthly, { missing: ['2021-10', '2021-11'], partial: [] }, { rag: { rule: 'significance' }, isCount: true, adjustment: 'none' })
 */
export function markCoverage(
  table: IndicatorTable,
  monthly: Map<Month, number>,
  incomplete: { missing: Month[]; partial: Month[] },
  opts: { rag: RagRule; isCount: boolean; adjustment: CoverageAdjustment; alpha?: number; scale?: number },
): Omit<IndicatorTable, 'rows'> & { rows: CoveredRow[] } {
  const missing = new Set(incomplete.missing);
  const partial = new Set(incomplete.partial);
  const scale = opts.scale ?? 1;
  const cover = (months: Month[]) => {
    const miss = months.filter((m) => missing.has(m));
    const part = months.filter((m) => partial.has(m) && !missing.has(m));
    const used = months.filter((m) => !missing.has(m) && !partial.has(m));
    return { miss, part, used };
  };
  const sum = (ms: Month[]) => ms.reduce((s, m) => s + (monthly.get(m) ?? 0), 0);
  const base = table.rows.find((r) => r.periodType === 'baseline')!;
  const b = cover(base.months);
  const baseIncomplete = b.miss.length + b.part.length > 0;
  const notes = [...table.notes];
  const adjusting = opts.adjustment === 'loaded-months';
  const rows = table.rows.map((row): CoveredRow => {
    const c = cover(row.months);
    const complete = c.miss.length + c.part.length === 0 && (row.periodType === 'baseline' || !baseIncomplete);
    const coverage: RowCoverage = { complete, missing: c.miss, partial: c.part, monthsUsed: row.months.length, adjusted: false };
    if (complete) return { ...row, coverage };
    if (!adjusting || c.used.length === 0 || b.used.length === 0) {
      return { ...row, change: null, rag: null, coverage };
    }
    const baseValue = sum(b.used);
    const value = row.periodType === 'baseline' ? baseValue : sum(c.used);
    const equivalent = (baseValue * c.used.length) / b.used.length;
    const change =
      row.periodType === 'baseline' || !opts.isCount
        ? null
        : countChange({ before: { count: baseValue, exposure: b.used.length }, after: { count: value, exposure: c.used.length } }, opts.alpha ?? 0.05);
    return {
      ...row,
      value: value * scale,
      count: value,
      baselineEquivalent: equivalent * scale,
      absoluteChange: (value - equivalent) * scale,
      percentChange: equivalent > 0 ? ((value - equivalent) / equivalent) * 100 : null,
      change,
      rag: change ? ragStatus(change, opts.rag) : null,
      coverage: { ...coverage, monthsUsed: c.used.length, adjusted: true },
    };
  });
  const bad = rows.filter((r) => !r.coverage.complete);
  if (bad.length) {
    for (const r of bad) {
      const what =
        [
          r.coverage.missing.length ? `${nameMonths(r.coverage.missing)} not loaded` : '',
          r.coverage.partial.length ? `${nameMonths(r.coverage.partial)} partly loaded` : '',
        ]
          .filter(Boolean)
          .join('; ') || `the baseline is incomplete`;
      notes.push(
        r.coverage.adjusted
          ? `${r.period}: ${what}; adjusted per loaded month (${r.coverage.monthsUsed} of ${r.months.length} months), compared with the baseline's ${b.used.length} complete months.`
          : `${r.period} is incomplete (${what}): its value is the sum of the months loaded, with no change test and no RAG status. Choose adjust=loaded-months to compare per loaded month.`,
      );
    }
  }
  return { ...table, rows, notes };
}

import { countChange, type CountChange } from './countChange';
import { monthRange, type Month } from './months';
import { parsePeriod } from './periods';
import { describeRagRule, ragStatus, type Rag, type RagRule } from './rag';

export interface IndicatorRow {
  period: string;
  periodType: 'baseline' | 'financial_quarter' | 'rolling_12_months';
  months: Month[];
  /** The measure in the period: a count, a harm total, or a rate (the count × the table's scale). */
  value: number;
  /** The count behind a rate (equal to value for counts and harm). */
  count: number;
  /** The baseline's value scaled to this row's number of months. */
  baselineEquivalent: number;
  absoluteChange: number;
  percentChange: number | null;
  change: CountChange | null;
  rag: Rag | null;
}

export interface IndicatorTable {
  rows: IndicatorRow[];
  rule: string;
  notes: string[];
}

/** The financial quarters (April–June = Q1) that lie wholly inside a span of months. */
export function financialQuartersWithin(first: Month, last: Month): { label: string; months: Month[] }[] {
  const out: { label: string; months: Month[] }[] = [];
  const [y0] = first.split('-').map(Number) as [number];
  for (let fy = y0 - 1; fy <= Number(last.slice(0, 4)); fy++) {
    for (let q = 1; q <= 4; q++) {
      const p = parsePeriod('financial_quarter', `${fy}/${String(fy + 1).slice(2)} Q${q}`);
      if (p.start >= first && p.end <= last) out.push({ label: p.label, months: monthRange(p.start, p.end) });
    }
  }
  return out;
}

/**
 * A partnership indicator table: the baseline, each financial quarter after it, and the latest rolling
 * 12 months, each against the baseline scaled to the same number of months, with the change, its
 * significance (counts only: the exact conditional Poisson test with months as exposure) and a RAG
 * status by the given rule. Harm is a weighted sum, not a Poisson count, so harm rows carry no test.
 * A rate indicator passes counts with `scale` (e.g. 100,000 / residents): values are shown as rates and
 * the test, on the counts, is the same because the population is the same in both periods.
 * @param monthly the indicator's value per month, every month loaded (missing months count as 0)
 */
export function indicatorTable(
  monthly: Map<Month, number>,
  opts: { baseline: { from: Month; to: Month }; lastMonth: Month; isCount: boolean; rag: RagRule; alpha?: number; scale?: number },
): IndicatorTable {
  const alpha = opts.alpha ?? 0.05;
  const baselineMonths = monthRange(opts.baseline.from, opts.baseline.to);
  if (opts.lastMonth <= opts.baseline.to)
    throw new Error(`no months after the baseline (${opts.baseline.from}…${opts.baseline.to}) are loaded; the last is ${opts.lastMonth}`);
  const sum = (ms: Month[]) => ms.reduce((s, m) => s + (monthly.get(m) ?? 0), 0);
  const baseValue = sum(baselineMonths);
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`scale must be a positive number (e.g. 100000 / residents); got ${opts.scale}`);
  const notes: string[] = [];
  const row = (period: string, periodType: IndicatorRow['periodType'], months: Month[]): IndicatorRow => {
    const value = sum(months);
    const baselineEquivalent = (baseValue * months.length) / baselineMonths.length;
    const change = opts.isCount
      ? countChange({ before: { count: baseValue, exposure: baselineMonths.length }, after: { count: value, exposure: months.length } }, alpha)
      : null;
    return {
      period,
      periodType,
      months,
      value: value * scale,
      count: value,
      baselineEquivalent: baselineEquivalent * scale,
      absoluteChange: (value - baselineEquivalent) * scale,
      percentChange: baselineEquivalent > 0 ? ((value - baselineEquivalent) / baselineEquivalent) * 100 : null,
      change,
      rag: change ? ragStatus(change, opts.rag) : null,
    };
  };
  const rows: IndicatorRow[] = [
    {
      period: `${opts.baseline.from} to ${opts.baseline.to}`,
      periodType: 'baseline',
      months: baselineMonths,
      value: baseValue * scale,
      count: baseValue,
      baselineEquivalent: baseValue * scale,
      absoluteChange: 0,
      percentChange: 0,
      change: null,
      rag: null,
    },
  ];
  const afterStart = monthRange(opts.baseline.to, opts.lastMonth)[1]!;
  for (const q of financialQuartersWithin(afterStart, opts.lastMonth)) rows.push(row(q.label, 'financial_quarter', q.months));
  const rolling = monthRange(opts.baseline.from, opts.lastMonth).slice(-12);
  if (rolling.length === 12 && rolling[0]! > opts.baseline.to) rows.push(row(`12 months to ${opts.lastMonth}`, 'rolling_12_months', rolling));
  else notes.push('The rolling 12 months overlap the baseline, so no rolling row is shown.');
  if (!opts.isCount) notes.push('Harm is a weighted sum, not a count: its changes are shown without a significance test or RAG status.');
  return { rows, rule: describeRagRule(opts.rag, alpha), notes };
}

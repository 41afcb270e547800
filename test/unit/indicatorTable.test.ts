import { describe, expect, it } from 'vitest';
import { financialQuartersWithin, indicatorTable } from '../../server/domain/indicatorTable';
import { monthRange } from '../../server/domain/months';
import { describeRagRule } from '../../server/domain/rag';

describe('indicator table', () => {
  it('lists the financial quarters wholly inside a span', () => {
    expect(financialQuartersWithin('2019-04', '2019-12').map((q) => q.label)).toEqual(['2019/20 Q1', '2019/20 Q2', '2019/20 Q3']);
    expect(financialQuartersWithin('2019-05', '2020-03').map((q) => q.label)).toEqual(['2019/20 Q2', '2019/20 Q3', '2019/20 Q4']);
  });

  it('compares each quarter with the baseline scaled to three months, with significance and RAG', () => {
    // baseline FY 2018/19: 10 a month (120); then quarters of 30, 45 and 15 incidents, and 2019-12..2020-03 as 10 a month
    const monthly = new Map<string, number>();
    for (const m of monthRange('2018-04', '2019-03')) monthly.set(m, 10);
    for (const m of ['2019-04', '2019-05', '2019-06']) monthly.set(m, 10);
    for (const m of ['2019-07', '2019-08', '2019-09']) monthly.set(m, 15);
    for (const m of ['2019-10', '2019-11', '2019-12']) monthly.set(m, 5);
    const t = indicatorTable(monthly, { baseline: { from: '2018-04', to: '2019-03' }, lastMonth: '2020-03', isCount: true, rag: { rule: 'significance' } });
    const q = Object.fromEntries(t.rows.map((r) => [r.period, r]));
    expect(q['2018-04 to 2019-03']).toMatchObject({ value: 120, periodType: 'baseline' });
    expect(q['2019/20 Q1']).toMatchObject({ value: 30, baselineEquivalent: 30, absoluteChange: 0, percentChange: 0, rag: 'amber' });
    expect(q['2019/20 Q2']).toMatchObject({ value: 45, percentChange: 50 });
    expect(q['2019/20 Q2']!.change!.pValue).toBeLessThan(0.05);
    expect(q['2019/20 Q2']!.rag).toBe('red');
    expect(q['2019/20 Q3']).toMatchObject({ value: 15, percentChange: -50, rag: 'green' });
    expect(q['2019/20 Q4']).toMatchObject({ value: 0, rag: 'green' }); // months not loaded count as 0
    expect(q['12 months to 2020-03']).toMatchObject({ value: 90, baselineEquivalent: 120 });
    expect(t.rule).toBe(describeRagRule({ rule: 'significance' }, 0.05));
  });

  it('applies a target rule and leaves harm untested', () => {
    const monthly = new Map<string, number>([
      ...monthRange('2018-04', '2019-03').map((m) => [m, 10] as [string, number]),
      ['2019-04', 8],
      ['2019-05', 8],
      ['2019-06', 8],
    ]);
    const target = indicatorTable(monthly, {
      baseline: { from: '2018-04', to: '2019-03' },
      lastMonth: '2019-06',
      isCount: true,
      rag: { rule: 'target', targetPercent: -10 },
    });
    expect(target.rows[1]).toMatchObject({ percentChange: -20, rag: 'amber' }); // 24 vs 30 is not significant
    const harm = indicatorTable(monthly, { baseline: { from: '2018-04', to: '2019-03' }, lastMonth: '2019-06', isCount: false, rag: { rule: 'significance' } });
    expect(harm.rows[1]).toMatchObject({ change: null, rag: null });
    expect(harm.notes.join(' ')).toMatch(/without a significance test/);
    expect(() =>
      indicatorTable(monthly, { baseline: { from: '2018-04', to: '2019-03' }, lastMonth: '2019-03', isCount: true, rag: { rule: 'significance' } }),
    ).toThrow(/no months after the baseline/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  classifySourceMonths,
  completeWeeks,
  cutDays,
  longestCompleteRun,
  nameMonths,
  periodCoverage,
  type SourceMonthCounts,
} from '../../server/domain/coverage';
import { markCoverage } from '../../server/domain/indicatorCoverage';
import { indicatorTable } from '../../server/domain/indicatorTable';
import { countChange } from '../../server/domain/countChange';
import { monthRange } from '../../server/domain/months';

const month = (m: string, incidents: number, extra: Partial<SourceMonthCounts> = {}): SourceMonthCounts => ({
  month: m,
  incidents,
  days: new Map(),
  districts: new Map(),
  ...extra,
});

describe('coverage rules', () => {
  it('a month no import covers is missing, whatever the months around it hold', () => {
    const s = {
      source: 'data.police.uk',
      months: [month('2021-08', 100), month('2021-09', 110), month('2021-12', 105)],
      imports: [
        { first: '2021-08', last: '2021-08' },
        { first: '2021-09', last: '2021-09' },
        { first: '2021-12', last: '2021-12' },
      ],
    };
    const c = classifySourceMonths(s, { first: '2021-08', last: '2021-12' });
    expect(c.map((m) => m.status)).toEqual(['loaded', 'loaded', 'missing', 'missing', 'loaded']);
    expect(c[2]!.reasons).toEqual(['no data.police.uk import covers 2021-10']);
  });

  it('an extract spanning months covers a month with no incident (loaded, zero is then a real zero)', () => {
    const s = { source: 'force-extract', months: [month('2021-01', 3), month('2021-03', 2)], imports: [{ first: '2021-01', last: '2021-03' }] };
    expect(classifySourceMonths(s, { first: '2021-01', last: '2021-03' }).map((m) => m.status)).toEqual(['loaded', 'loaded', 'loaded']);
  });

  it('the latest month below half the median of the six before is partial; 50 % exactly is not', () => {
    const months = ['2021-01', '2021-02', '2021-03', '2021-04', '2021-05', '2021-06', '2021-07'];
    const counts = [900, 1000, 1100, 1000, 1200, 800];
    const imports = months.map((m) => ({ first: m, last: m }));
    const low = classifySourceMonths(
      { source: 's', months: [...counts.map((n, i) => month(months[i]!, n)), month('2021-07', 499)], imports },
      { first: '2021-01', last: '2021-07' },
    );
    // median of 900, 1000, 1100, 1000, 1200, 800 = (1000 + 1000) / 2 = 1000
    expect(low[6]!.status).toBe('partial');
    expect(low[6]!.reasons[0]).toBe('the latest month holds 499 incidents, 50 % of the median of the 6 months before (1000): it looks partly published');
    const half = classifySourceMonths(
      { source: 's', months: [...counts.map((n, i) => month(months[i]!, n)), month('2021-07', 500)], imports },
      { first: '2021-01', last: '2021-07' },
    );
    expect(half[6]!.status).toBe('loaded');
    // Only the latest month is judged short: a low month inside the series (a lockdown) is data.
    expect(low.slice(0, 6).every((m) => m.status === 'loaded')).toBe(true);
  });

  it('cut days: an extract ending on 17 December at 30 a day leaves 14 implausible days (exp(−420) < 0.001); one ending on the 30th at 3 a day does not', () => {
    expect(cutDays('2021-12', [{ first: '2021-01-01', last: '2021-12-17' }], 17 * 30)).toEqual({
      first: '2021-12-01',
      last: '2021-12-17',
      cut: [{ from: '2021-12-18', to: '2021-12-31', days: 14 }],
    });
    // rate 90/30 = 3 a day; exp(−3) = 0.0498 ≥ 0.001: the 31st was a quiet day
    expect(cutDays('2021-12', [{ first: '2021-12-01', last: '2021-12-30' }], 90)!.cut).toEqual([]);
    // An extract starting on 8 July: 7 days before it at 24 a day are cut.
    expect(cutDays('2019-07', [{ first: '2019-07-08', last: '2019-09-30' }], 24 * 24)).toEqual({
      first: '2019-07-08',
      last: '2019-07-31',
      cut: [{ from: '2019-07-01', to: '2019-07-07', days: 7 }],
    });
    // A month inside an extract's span is never cut, however quiet its last days.
    expect(cutDays('2019-08', [{ first: '2019-07-08', last: '2019-09-30' }], 100)!.cut).toEqual([]);
    // Boundary: g days at rate λ are cut exactly when λ·g > ln 1000 = 6.9078
    expect(cutDays('2021-06', [{ first: '2021-06-01', last: '2021-06-23' }], 23)!.cut).toHaveLength(1); // 7 days × 1 > 6.908
    expect(cutDays('2021-06', [{ first: '2021-06-01', last: '2021-06-24' }], 24)!.cut).toHaveLength(0); // 6 days × 1 < 6.908
  });

  it('weeks are held day by day: an extract from 8 July holds the weeks from then, not the week of 1 July', () => {
    const days = new Map(Array.from({ length: 24 }, (_, i) => [`2019-07-${String(i + 8).padStart(2, '0')}`, 24] as [string, number]));
    const s = {
      source: 'force-extract',
      months: [month('2019-07', 24 * 24, { days }), month('2019-08', 700, { days: new Map([['2019-08-05', 700]]) })],
      imports: [{ first: '2019-07', last: '2019-08' }],
      extents: [{ first: '2019-07-08', last: '2019-08-31' }],
    };
    const c = classifySourceMonths(s, { first: '2019-07', last: '2019-08' });
    expect(c[0]).toMatchObject({ status: 'partial', cutOnly: true, days: { first: '2019-07-08', last: '2019-07-31' } });
    expect(c[0]!.reasons[0]).toMatch(/^the data starts on 2019-07-08: no incident from 2019-07-01 to 2019-07-07/);
    expect(c[1]!.status).toBe('loaded');
    expect(completeWeeks([{ force: null, source: s.source, months: c }], ['2019-07-01', '2019-07-08', '2019-08-26', '2019-09-02'])).toEqual([
      false,
      true,
      false,
      false,
    ]);
  });

  it('a district that usually holds ≥ 10 a month and holds none is missing; the month is partial', () => {
    const d = (a: number, b: number) =>
      new Map([
        ['E08000011', a],
        ['E08000012', b],
      ]);
    const months = [
      month('2021-01', 60, { districts: d(20, 40) }),
      month('2021-02', 62, { districts: d(22, 40) }),
      month('2021-03', 41, { districts: d(0, 41) }),
    ];
    const c = classifySourceMonths(
      { source: 's', months, imports: months.map((m) => ({ first: m.month, last: m.month })) },
      { first: '2021-01', last: '2021-03' },
      (code) => `district ${code}`,
    );
    expect(c[2]).toMatchObject({ status: 'partial', missingDistricts: ['E08000011'] });
    expect(c[2]!.reasons).toEqual(['no incident in district E08000011 (usually 20 a month): the data covers part of the force']);
  });

  it('period coverage over two sources: missing where neither holds, named where one holds alone', () => {
    const cover = (source: string, statuses: Record<string, 'loaded' | 'missing'>) => ({
      force: 'E23000004',
      source,
      months: Object.entries(statuses).map(([m, status]) => ({
        month: m,
        status,
        incidents: 1,
        reasons: [],
        days: null,
        missingDistricts: [],
        cutOnly: false,
      })),
    });
    const p = periodCoverage(
      [
        cover('data.police.uk', { '2021-01': 'loaded', '2021-02': 'loaded', '2021-03': 'missing' }),
        cover('ambulance', { '2021-01': 'loaded', '2021-02': 'missing', '2021-03': 'missing' }),
      ],
      '2021-01',
      '2021-04',
    );
    expect(p.missing).toEqual(['2021-03', '2021-04']);
    expect(p.singleSource).toEqual([{ month: '2021-02', force: 'E23000004', sources: ['data.police.uk'], without: ['ambulance'] }]);
    expect(p.complete).toBe(false);
    expect(p.statement).toMatch(
      /^2 of the 4 months are not loaded: 2021-03, 2021-04\. Months held by some sources only: 2021-02: data\.police\.uk only \(no ambulance\)/,
    );
    expect(longestCompleteRun(p)).toEqual({ from: '2021-01', to: '2021-02', months: 2 });
    expect(nameMonths(['2020-01', '2020-02', '2020-03', '2020-05'])).toBe('2020-01 … 2020-03 (3 months), 2020-05');
  });
});

describe('indicator rows over missing months', () => {
  const monthly = new Map(monthRange('2020-04', '2021-12').map((m) => [m, 100]));
  monthly.set('2021-10', 0);
  monthly.set('2021-11', 0);
  const opts = { baseline: { from: '2020-04', to: '2020-12' }, lastMonth: '2021-12', isCount: true, rag: { rule: 'significance' as const } };

  it('is incomplete by default: no test, no RAG, the months named', () => {
    const t = markCoverage(
      indicatorTable(monthly, opts),
      monthly,
      { missing: ['2021-10', '2021-11'], partial: [] },
      { rag: opts.rag, isCount: true, adjustment: 'none' },
    );
    const q3 = t.rows.find((r) => r.period === '2021/22 Q3')!;
    expect(q3).toMatchObject({ value: 100, rag: null, change: null, coverage: { complete: false, missing: ['2021-10', '2021-11'], adjusted: false } });
    expect(t.rows.find((r) => r.period === '2021/22 Q2')!.rag).toBe('amber');
    expect(t.notes).toContain(
      '2021/22 Q3 is incomplete (2021-10, 2021-11 not loaded): its value is the sum of the months loaded, with no change test and no RAG status. Choose adjust=loaded-months to compare per loaded month.',
    );
  });

  it('adjusted per loaded month: the exact test with the months held as exposure (100 in 1 month against 900 in 9)', () => {
    const t = markCoverage(
      indicatorTable(monthly, opts),
      monthly,
      { missing: ['2021-10', '2021-11'], partial: [] },
      { rag: opts.rag, isCount: true, adjustment: 'loaded-months' },
    );
    const q3 = t.rows.find((r) => r.period === '2021/22 Q3')!;
    const ref = countChange({ before: { count: 900, exposure: 9 }, after: { count: 100, exposure: 1 } });
    expect(q3.baselineEquivalent).toBe(100);
    expect(q3.percentChange).toBe(0);
    expect(q3.change!.pValue).toBe(ref.pValue);
    expect(q3.rag).toBe('amber');
    expect(q3.coverage).toMatchObject({ monthsUsed: 1, adjusted: true });
  });
});

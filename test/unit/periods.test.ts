import { describe, expect, it } from 'vitest';
import { parsePeriod, parsePublishedValue } from '../../server/domain/periods';

describe('reporting periods', () => {
  it('reads financial years and quarters from April', () => {
    expect(parsePeriod('financial_year', '2019/20')).toMatchObject({ start: '2019-04', end: '2020-03', label: '2019/20' });
    expect(parsePeriod('financial_year', '2019-2020')).toMatchObject({ start: '2019-04', end: '2020-03' });
    expect(parsePeriod('financial_quarter', '2019/20 Q3')).toMatchObject({ start: '2019-10', end: '2019-12' });
    expect(parsePeriod('financial_quarter', 'FY2019/20 Q4')).toMatchObject({ start: '2020-01', end: '2020-03', label: '2019/20 Q4' });
  });

  it('reads rolling years, calendar periods and months', () => {
    expect(parsePeriod('rolling_12_months', 'YE 2020-03')).toMatchObject({ start: '2019-04', end: '2020-03' });
    expect(parsePeriod('calendar_quarter', '2020 Q2')).toMatchObject({ start: '2020-04', end: '2020-06' });
    expect(parsePeriod('calendar_year', '2020')).toMatchObject({ start: '2020-01', end: '2020-12' });
    expect(parsePeriod('month', '2020-07')).toMatchObject({ start: '2020-07', end: '2020-07' });
  });

  it('says what form it expected', () => {
    expect(() => parsePeriod('financial_year', '2019/21')).toThrow(
      '"2019/21" is not a financial year; write it as 2019/20 or 2019-20 (April 2019 to March 2020)',
    );
    expect(() => parsePeriod('fortnight', '2019')).toThrow(/unknown period type "fortnight"; use one of financial_year/);
  });

  it('keeps suppression markers apart from zero', () => {
    expect(parsePublishedValue('*')).toEqual({ value: null, marker: '*' });
    expect(parsePublishedValue('[c]')).toEqual({ value: null, marker: '[c]' });
    expect(parsePublishedValue('0')).toEqual({ value: 0, marker: null });
    expect(parsePublishedValue('1,234')).toEqual({ value: 1234, marker: null });
    expect(parsePublishedValue('lots')).toBeNull();
    expect(parsePublishedValue('')).toBeNull();
  });
});

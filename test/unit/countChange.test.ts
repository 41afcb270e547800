import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countChange } from '../../server/domain/countChange';

interface Case {
  before: number;
  after: number;
  beforeExposure: number;
  afterExposure: number;
  pValue: number;
  ciLow: number;
  ciHigh: number | 'Infinity';
}
const cases = JSON.parse(fs.readFileSync(new URL('../out/poisson-test.json', import.meta.url), 'utf8')) as Case[];

describe('exact conditional Poisson test (against R poisson.test, fixture made by scripts/reference/poisson-test.R)', () => {
  it.each(cases)('$before over $beforeExposure → $after over $afterExposure', (k) => {
    const r = countChange({ before: { count: k.before, exposure: k.beforeExposure }, after: { count: k.after, exposure: k.afterExposure } });
    expect(r.pValue).toBeCloseTo(k.pValue, 9);
    expect(Math.abs(r.pValue - k.pValue) / Math.max(k.pValue, 1e-300)).toBeLessThan(1e-6);
    expect(r.ci![0]).toBeCloseTo(k.ciLow, 9);
    if (k.ciHigh === 'Infinity') expect(r.ci![1]).toBe(Infinity);
    else expect(r.ci![1] / k.ciHigh).toBeCloseTo(1, 9);
  });

  it('does not call a small change a rise, and names the direction of a real one', () => {
    expect(countChange({ before: { count: 12, exposure: 3 }, after: { count: 18, exposure: 3 } }).direction).toBe('no significant change');
    expect(countChange({ before: { count: 40, exposure: 3 }, after: { count: 62, exposure: 3 } }).direction).toBe('rise');
    expect(countChange({ before: { count: 62, exposure: 3 }, after: { count: 40, exposure: 3 } }).direction).toBe('fall');
  });

  it('handles empty periods and says what is wrong with bad input', () => {
    expect(countChange({ before: { count: 0, exposure: 3 }, after: { count: 0, exposure: 3 } })).toMatchObject({ pValue: 1, rateRatio: null, ci: null });
    expect(countChange({ before: { count: 0, exposure: 3 }, after: { count: 4, exposure: 3 } }).rateRatio).toBeNull();
    expect(() => countChange({ before: { count: 2.5, exposure: 3 }, after: { count: 4, exposure: 3 } })).toThrow(/before.count must be a whole number/);
    expect(() => countChange({ before: { count: 2, exposure: 0 }, after: { count: 4, exposure: 3 } })).toThrow(/before.exposure must be a positive number/);
  });
});

import { describe, expect, it } from 'vitest';
import { runChart } from '../../server/domain/runChart';

const pts = (values: number[]) => values.map((value, i) => ({ label: `m${i + 1}`, value }));

describe('XmR run chart (Making Data Count rules)', () => {
  it('computes limits from the baseline: mean ± 2.66 × mean moving range', () => {
    // baseline 10, 12, 11, 13, 9: mean 11; moving ranges 2, 1, 2, 4 → 2.25; limits 11 ± 5.985
    const c = runChart(pts([10, 12, 11, 13, 9, 30]), 5);
    expect(c.mean).toBe(11);
    expect(c.movingRange).toBe(2.25);
    expect(c.upperLimit).toBeCloseTo(16.985, 12);
    expect(c.lowerLimit).toBeCloseTo(5.015, 12);
    expect(c.points[5]!.signals).toEqual(['outside limits']);
    expect(c.points.slice(0, 5).every((p) => p.signals.length === 0)).toBe(true);
  });

  it('flags a shift of 7 points above the mean but not 6', () => {
    const base = [10, 12, 8, 11, 9, 10, 12, 8, 10, 10];
    const seven = runChart(pts([...base, 11, 11.5, 11, 11.5, 11, 11.5, 11]), base.length);
    expect(seven.points.slice(-7).every((p) => p.signals.includes('shift'))).toBe(true);
    const six = runChart(pts([...base, 11, 11.5, 11, 11.5, 11, 11.5, 9]), base.length);
    expect(six.points.some((p) => p.signals.includes('shift'))).toBe(false);
  });

  it('flags a trend of 7 rising points', () => {
    const c = runChart(pts([20, 14, 18, 13, 19, 15, 9, 10, 11, 12, 13, 14, 15]), 7);
    expect(c.points.slice(-7).map((p) => p.signals.includes('trend'))).toEqual([true, true, true, true, true, true, true]);
    expect(c.points[5]!.signals.includes('trend')).toBe(false);
  });

  it('flags two of three points near the same limit', () => {
    // mean 10, MR 2 → near-upper threshold 10 + 2/3 × 5.32 = 13.547
    const c = runChart(pts([10, 12, 10, 8, 10, 12, 10, 8, 10, 14, 11, 14]), 9);
    expect(c.points[9]!.signals).toContain('two of three near a limit');
    expect(c.points[11]!.signals).toContain('two of three near a limit');
    expect(c.points[10]!.signals).not.toContain('two of three near a limit');
  });

  it('checks its input', () => {
    expect(() => runChart(pts([1]))).toThrow(/at least 2 points/);
    expect(() => runChart(pts([1, 2, 3]), 5)).toThrow(/baselinePoints must be a whole number from 2 to the number of points \(3\)/);
  });
});

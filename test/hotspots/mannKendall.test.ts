import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mannKendall } from '../../server/domain/hotspots/mannKendall';

const scipy = JSON.parse(fs.readFileSync(new URL('../out/mann-kendall.json', import.meta.url), 'utf8')) as {
  series: number[];
  tauB: number;
  pUncorrected: number;
}[];

describe('Mann-Kendall', () => {
  it.each(scipy.map((c, i) => [i, c] as const))('case %i matches scipy.stats.kendalltau (tau-b, asymptotic p)', (_i, c) => {
    const r = mannKendall(c.series);
    expect(r.tauB).toBeCloseTo(c.tauB, 12);
    expect(r.pUncorrected / c.pUncorrected).toBeCloseTo(1, 9);
  });

  it('gives the continuity-corrected p of R Kendall::MannKendall (values verified in the reference notes, single precision)', () => {
    // S, Var(S) and Kendall's two-sided sl for three series (shared/reference/hotspot-methods.md §6.2)
    const cases: [number[], number, number, number][] = [
      [[1, 3, 2, 5, 4, 6, 8, 7], 22, 65.333, 0.0093747],
      [[1, 3, 2, 5, 4, 6, 8, 7, 10, 9, 12, 11], 56, 212.667, 0.00016224],
      [[1, 2, 2, 3, 5, 5, 5, 4, 6, 7], 35, 120.333, 0.0019387],
    ];
    for (const [series, s, varS, sl] of cases) {
      const r = mannKendall(series);
      expect(r.s).toBe(s);
      expect(r.varS).toBeCloseTo(varS, 3);
      expect(Math.abs(r.p - sl) / sl).toBeLessThan(5e-4); // Kendall computes in single precision
    }
    expect(mannKendall([1, 2, 2, 3, 5, 5, 5, 4, 6, 7]).tauA).toBeCloseTo(0.7777778, 6);
  });

  it('says so for constant and short series', () => {
    expect(mannKendall([3, 3, 3, 3])).toMatchObject({ s: 0, varS: 0, z: 0, p: 1, trend: 'no trend' });
    expect(() => mannKendall([1, 2])).toThrow(/at least 3 values/);
    expect(mannKendall([9, 7, 8, 6, 6, 5, 7, 3, 2, 2, 1]).trend).toBe('decreasing');
  });
});

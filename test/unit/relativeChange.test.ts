import { describe, expect, it } from 'vitest';
import { relativeChange } from '../../server/domain/relativeChange';

describe('ratio of rate ratios', () => {
  it('matches the formula computed in R for the strategy-shaped case (area −54 %, force −31 %)', () => {
    // R: r <- (46/100)/(690/1000); se <- sqrt(1/100+1/46+1/1000+1/690); exp(log(r) + c(-1,1)*qnorm(0.975)*se); 2*pnorm(-abs(log(r)/se))
    const r = relativeChange({ before: 100, after: 46 }, { before: 1000, after: 690 });
    expect(r.ratio).toBeCloseTo(0.666666666666667, 12);
    expect(r.ci[0]).toBeCloseTo(0.464002867604041, 12);
    expect(r.ci[1]).toBeCloseTo(0.957848486453135, 12);
    expect(r.pValue).toBeCloseTo(0.0283163187321544, 12);
    expect(r.significant).toBe(true);
    expect(r.areaChangePercent).toBe(-54);
    expect(r.comparisonChangePercent).toBe(-31);
  });

  it('corrects zero counts and says so', () => {
    const r = relativeChange({ before: 4, after: 0 }, { before: 100, after: 100 });
    expect(r.corrected).toBe(true);
    expect(r.ratio).toBeCloseTo(0.5 / 4.5 / (100.5 / 100.5), 12);
    expect(r.method).toMatch(/0.5 added/);
    expect(() => relativeChange({ before: -1, after: 0 }, { before: 1, after: 1 })).toThrow(/area.before must be a whole number/);
  });
});

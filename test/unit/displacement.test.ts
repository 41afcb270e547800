import { describe, expect, it } from 'vitest';
import { weightedDisplacementQuotient } from '../../server/domain/displacement';

describe('Weighted Displacement Quotient (Bowers & Johnson 2003)', () => {
  it('reads diffusion of benefit on a case worked by hand', () => {
    // SM = 60/1000 − 100/1000 = −0.04; BDM = 45/1000 − 50/1000 = −0.005; WDQ = 0.125
    // TNE = (100·1 − 60) + (50·1 − 45) = 45 incidents fewer than expected
    const r = weightedDisplacementQuotient({ target: { before: 100, after: 60 }, buffer: { before: 50, after: 45 }, control: { before: 1000, after: 1000 } });
    expect(r.successMeasure).toBeCloseTo(-0.04, 12);
    expect(r.bufferMeasure).toBeCloseTo(-0.005, 12);
    expect(r.wdq).toBeCloseTo(0.125, 12);
    expect(r.totalNetEffect).toBeCloseTo(45, 12);
    expect(r.reading).toBe('diffusion of benefit into the buffer');
  });

  it("reads displacement, weighing by the control area's own trend", () => {
    // control falls by 20 %: SM = 40/800 − 100/1000 = −0.05; BDM = 80/800 − 50/1000 = 0.05; WDQ = −1
    const r = weightedDisplacementQuotient({ target: { before: 100, after: 40 }, buffer: { before: 50, after: 80 }, control: { before: 1000, after: 800 } });
    expect(r.wdq).toBeCloseTo(-1, 12);
    expect(r.reading).toMatch(/smaller than the direct effect/);
    expect(r.totalNetEffect).toBeCloseTo(80 - 40 + (40 - 80), 12); // expected 80 and 40, got 40 and 80: no net change
    const worse = weightedDisplacementQuotient({
      target: { before: 100, after: 40 },
      buffer: { before: 50, after: 120 },
      control: { before: 1000, after: 800 },
    });
    expect(worse.wdq!).toBeLessThan(-1);
    expect(worse.reading).toMatch(/net loss/);
  });

  it('is undefined without a success, and checks its counts', () => {
    expect(
      weightedDisplacementQuotient({ target: { before: 10, after: 12 }, buffer: { before: 5, after: 5 }, control: { before: 100, after: 100 } }).wdq,
    ).toBeNull();
    expect(() =>
      weightedDisplacementQuotient({ target: { before: 10, after: 5 }, buffer: { before: 5, after: 5 }, control: { before: 0, after: 100 } }),
    ).toThrow(/control area needs incidents in both periods/);
    expect(() => weightedDisplacementQuotient({ target: { before: -1, after: 5 }, buffer: { before: 5, after: 5 }, control: { before: 1, after: 1 } })).toThrow(
      /target.before must be a count/,
    );
  });
});

import { gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { classifyEmerging, classifyShortSeries, type EmergingCategory } from '../../server/domain/hotspots/emerging';
import { gistar } from '../../server/domain/hotspots/gistar';
import { h3Neighbours, type Neighbours } from '../../server/domain/hotspots/neighbours';
import { spaceTimeGistar } from '../../server/domain/hotspots/spaceTimeGistar';

// Twelve steps. Significance strings: H hot, C cold, . neither. z follows the significance with a
// chosen slope so the Mann-Kendall trend is up, down or flat.
const series = (pattern: string, trend: 'up' | 'down' | 'flat') => {
  const sig = [...pattern].map((c) => (c === 'H' ? 1 : c === 'C' ? -1 : 0));
  const z = sig.map((s, t) => {
    const base = s === 1 ? 3 : s === -1 ? -3 : 0.2;
    const wiggle = trend === 'flat' ? (t % 2 === 0 ? 0.3 : -0.3) : (trend === 'up' ? 1 : -1) * t * 0.15;
    return base + wiggle;
  });
  return { z, sig };
};
const cases: [EmergingCategory, string, 'up' | 'down' | 'flat', string, 'up' | 'down' | 'flat'][] = [
  // category, a series that must land in it, its trend, a near miss that must not, its trend
  ['new hot spot', '...........H', 'flat', '.......H...H', 'flat'],
  ['consecutive hot spot', '.........HHH', 'flat', '....H....HHH', 'flat'],
  ['intensifying hot spot', 'HHHHHHHHHHHH', 'up', 'HHHHHHHHHHHH', 'flat'],
  ['persistent hot spot', 'HHHHHHHHHHHH', 'flat', 'HHHHHHHHHHH.', 'flat'],
  ['diminishing hot spot', 'HHHHHHHHHHHH', 'down', 'HHHHHHHHHHHH', 'up'],
  ['sporadic hot spot', '..H..H...H.H', 'flat', '..H..C...H.H', 'flat'],
  ['oscillating hot spot', '..C..H...H.H', 'flat', '..C..H...H..', 'flat'],
  ['historical hot spot', 'HHHHHHHHHHH.', 'flat', 'HHHHHHHHHH..', 'flat'],
  ['new cold spot', '...........C', 'flat', '..C........C', 'flat'],
  ['consecutive cold spot', '..........CC', 'flat', '..........C.', 'flat'],
  ['intensifying cold spot', 'CCCCCCCCCCCC', 'down', 'CCCCCCCCCCCC', 'up'],
  ['persistent cold spot', 'CCCCCCCCCCCC', 'flat', 'CCCCCCCCCCCC', 'down'],
  ['diminishing cold spot', 'CCCCCCCCCCCC', 'up', 'CCCCCCCCCCC.', 'up'],
  ['sporadic cold spot', 'C...C..C...C', 'flat', 'C...H..C...C', 'flat'],
  ['oscillating cold spot', 'H...C..C...C', 'flat', 'H...C..C....', 'flat'],
  ['historical cold spot', 'CCCCCCCCCCC.', 'flat', 'CCCCCCCCCCCC', 'flat'],
  ['no pattern detected', '..H..H....H.', 'flat', '..H..H.....H', 'flat'],
];

describe('emerging hot spot patterns (ArcGIS definitions)', () => {
  it.each(cases)('%s: "%s" lands in it, "%s" does not', (category, yes, yesTrend, no, noTrend) => {
    const a = series(yes, yesTrend);
    expect(classifyEmerging(a.z, a.sig).category).toBe(category);
    const b = series(no, noTrend);
    expect(classifyEmerging(b.z, b.sig).category).not.toBe(category);
  });

  it('refuses series too short for the 90 % rules', () => {
    const s = series('..H..H', 'flat');
    expect(() => classifyEmerging(s.z, s.sig)).toThrow(/need at least 10 time steps; got 6/);
  });
});

describe('short-series patterns (sfhotspot)', () => {
  const sig = (p: string) => [...p].map((c) => (c === 'H' ? 1 : c === 'C' ? -1 : 0));
  it.each([
    ['persistent hotspot', 'HHHHH.', 'HHH...'],
    ['emerging hotspot', '.....H', '..H..H'],
    ['former hotspot', 'H.....', 'H....H'],
    ['intermittent hotspot', '..H..H', '......'],
    ['persistent coldspot', 'CCCCC.', 'CCC...'],
    ['mixed hot/coldspot', 'H....C', 'H.....'],
    ['no pattern', '......', '.....H'],
  ] as const)('%s: "%s" lands in it, "%s" does not', (category, yes, no) => {
    expect(classifyShortSeries(sig(yes))).toBe(category);
    expect(classifyShortSeries(sig(no))).not.toBe(category);
  });
  it('checks its parameters', () => {
    expect(() => classifyShortSeries([1])).toThrow(/at least 2 periods/);
    expect(() => classifyShortSeries([1, 0], { hotspotProp: 2 })).toThrow(/hotspotProp must be a share/);
  });
});

describe('space-time Gi*', () => {
  const cells = gridDisk(latLngToCell(53.4055, -2.9798, 9), 2);
  const nb = h3Neighbours(cells);
  const steps = 4;
  const values = Float64Array.from({ length: cells.length * steps }, (_, k) => (k * 7919) % 13);

  it('with no time neighbours and a per-step window is the spatial Gi* of each step', () => {
    const z = spaceTimeGistar(values, cells.length, steps, nb, { timeStep: 0, globalWindow: 'time-step' });
    for (let t = 0; t < steps; t++) {
      const spatial = gistar(values.subarray(t * cells.length, (t + 1) * cells.length), nb);
      spatial.forEach((v, i) => expect(z[t * cells.length + i]).toBeCloseTo(v, 12));
    }
  });

  it('with a time step of 1 equals Gi* on the space-time graph whose neighbours are the same cells one step back', () => {
    const n = cells.length;
    const offsets = new Int32Array(n * steps + 1);
    const idx: number[] = [],
      w: number[] = [];
    for (let t = 0; t < steps; t++)
      for (let i = 0; i < n; i++) {
        for (let u = Math.max(0, t - 1); u <= t; u++)
          for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
            idx.push(u * n + nb.indices[p]!);
            w.push(1);
          }
        offsets[t * n + i + 1] = idx.length;
      }
    const graph: Neighbours = { offsets, indices: Int32Array.from(idx), weights: Float64Array.from(w) };
    const expected = gistar(values, graph);
    const z = spaceTimeGistar(values, n, steps, nb, { timeStep: 1 });
    expected.forEach((v, k) => expect(z[k]).toBeCloseTo(v, 12));
  });

  it('checks the cube shape', () => {
    expect(() => spaceTimeGistar(values, cells.length, steps + 1, nb)).toThrow(/cells × 5 steps/);
    expect(() => spaceTimeGistar(values, cells.length, steps, nb, { timeStep: 11 })).toThrow(/timeStep must be a whole number from 0 to 10/);
  });
});

import { cellToParent, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { emergingPatterns } from '../../server/domain/hotspots/emerging';
import { mannKendall } from '../../server/domain/hotspots/mannKendall';
import { h3Neighbours, type WeightScheme } from '../../server/domain/hotspots/neighbours';
import { monthRange } from '../../server/domain/months';
import { monthFile, PROXY_CATEGORIES, readRows } from '../support/data';
import { emergingBefore } from '../support/emergingBefore';

// The real Merseyside public-proxy serious violence of 2018–2019 at resolution 9, read independently of
// harmgrid's importer; the study area is every cell within one ring of a cell with any incident, so
// empty cells take part as zeros as they do in the service.
const months = monthRange('2018-01', '2019-12');
const perMonth = months.map((m) =>
  readRows(monthFile(m))
    .filter((r) => r.Latitude && r.Longitude)
    .map((r) => ({ cell: cellToParent(latLngToCell(Number(r.Latitude), Number(r.Longitude), 12), 9), proxy: PROXY_CATEGORIES.has(r['Crime type']!) })),
);
const cells = [...new Set(perMonth.flat().flatMap((x) => gridDisk(x.cell, 1)))].sort();
const index = new Map(cells.map((c, i) => [c, i]));
const cubeOf = (steps: number) => {
  const cube = new Float64Array(cells.length * steps);
  for (let t = 0; t < steps; t++) for (const x of perMonth[t]!) if (x.proxy) cube[t * cells.length + index.get(x.cell)!]! += 1;
  return cube;
};

describe('the fast emerging path gives the old per-cell answers on real data', () => {
  const cases: [string, number, WeightScheme, number, 'cube' | 'time-step', boolean, number][] = [
    // label, months, weights, timeStep, globalWindow, fdr, level
    ['defaults (24 months, binary, time step 1, cube, FDR, 95 %)', 24, 'binary', 1, 'cube', true, 2],
    ['inverse-distance weights, time step 2, 90 %', 24, 'inverse-distance', 2, 'cube', true, 1],
    ['per-step window, no FDR, 99 %', 24, 'binary', 0, 'time-step', false, 3],
    ['no FDR, inverse-distance, 95 % (z near the cut-off)', 24, 'inverse-distance', 1, 'cube', false, 2],
    ['short series (6 months)', 6, 'binary', 1, 'cube', true, 2],
  ];
  it.each(cases)('%s', (_label, steps, weights, timeStep, globalWindow, fdr, level) => {
    const nb = h3Neighbours(cells, { k: 1, weights });
    const cube = cubeOf(steps);
    const o = { timeStep, globalWindow, fdr, level, trendAlpha: 0.05 };
    const before = emergingBefore(cube, cells.length, steps, nb, o);
    const after = emergingPatterns(cube, cells.length, steps, nb, o);
    let worst = 0;
    before.z.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - after.z[k]!));
    });
    expect(worst).toBeLessThan(1e-9);
    expect(Array.from(after.sig)).toEqual(Array.from(before.sig));
    expect(after.results).toEqual(before.results);
    // The comparison means something only if the real data reaches the patterns being compared.
    const seen = new Set(after.results.map((r) => r.emerging?.category ?? r.shortSeries));
    expect(seen.size).toBeGreaterThan(3);
    expect(after.sig.some((s) => s > 0)).toBe(true);
  });
});

describe('Mann-Kendall by merge sort', () => {
  it('counts S and the ties as the pairwise sum does on every real z series and on constructed ties', () => {
    const pairwise = (x: number[]) => {
      let s = 0;
      for (let k = 0; k < x.length; k++) for (let j = k + 1; j < x.length; j++) s += Math.sign(x[j]! - x[k]!);
      return s;
    };
    const series: number[][] = [
      [3, 3, 3, 3],
      [0, -0, 0, 1, -1, 1],
      [5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5],
      [1, 2, 2, 3, 5, 5, 5, 4, 6, 7],
    ];
    const { z } = emergingPatterns(cubeOf(24), cells.length, 24, h3Neighbours(cells), {
      timeStep: 1,
      globalWindow: 'cube',
      fdr: true,
      level: 2,
      trendAlpha: 0.05,
    });
    for (let i = 0; i < cells.length; i += 7) series.push(Array.from({ length: 24 }, (_, t) => z[t * cells.length + i]!));
    for (const x of series) expect(mannKendall(x).s).toBe(pairwise(x));
  });
});

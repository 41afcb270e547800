import { gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { hchhAreas, topThreshold, type CellTotal } from '../../server/domain/hchh';

describe('High Crime High Harm areas', () => {
  const centre = latLngToCell(53.4055, -2.9798, 9);
  const ring = gridDisk(centre, 6); // 127 cells of a real part of Liverpool
  const far = latLngToCell(53.6458, -3.0064, 9); // Southport, away from the ring

  const totals = (): CellTotal[] => ring.map((cell) => ({ cell, incidents: 0, harm: 0 }));

  it('selects cells high in both count and harm and merges touching cells into ranked areas', () => {
    const cells = totals();
    const [a, b] = [ring[0]!, gridDisk(ring[0]!, 1).find((c) => c !== ring[0] && ring.includes(c))!];
    const set = (cell: string, incidents: number, harm: number) => {
      const c = cells.find((x) => x.cell === cell)!;
      c.incidents = incidents;
      c.harm = harm;
    };
    set(a, 50, 5000);
    set(b, 40, 4000); // touches a → one area
    cells.push({ cell: far, incidents: 45, harm: 20000 }); // alone → its own area, most harm
    const highCountLowHarm = ring[60]!;
    set(highCountLowHarm, 100, 2); // high crime, low harm → not selected
    const result = hchhAreas(cells, { crimeTopPercent: 4, harmTopPercent: 3 }); // 5 cells by count, 3 by harm
    expect(result.areas.map((x) => x.cells)).toEqual([[far], [a, b].sort()]);
    expect(result.areas.map((x) => x.rank)).toEqual([1, 2]);
    expect(result.areas[1]!.harm).toBe(9000);
    expect(result.studyArea.cells).toBe(128);
    expect(result.areas.flatMap((x) => x.cells)).not.toContain(highCountLowHarm);
  });

  it('drops small areas and keeps the top areas when asked', () => {
    const cells = totals();
    cells.push({ cell: far, incidents: 45, harm: 20000 });
    cells.find((x) => x.cell === ring[0])!.incidents = 50;
    cells.find((x) => x.cell === ring[0])!.harm = 5000;
    expect(hchhAreas(cells, { crimeTopPercent: 2, harmTopPercent: 2, minCells: 2 }).areas).toEqual([]);
    expect(hchhAreas(cells, { crimeTopPercent: 2, harmTopPercent: 2, maxAreas: 1 }).areas.map((x) => x.cells)).toEqual([[far]]);
  });

  it('never selects empty cells, even when most cells are empty', () => {
    const cells = ring.map((cell) => ({ cell, incidents: 0, harm: 0 }));
    expect(hchhAreas(cells, { crimeTopPercent: 50, harmTopPercent: 50 }).areas).toEqual([]);
  });

  it('checks its options with plain messages', () => {
    expect(() => hchhAreas(totals(), { crimeTopPercent: 0 })).toThrow(/crimeTopPercent must be a percentage above 0 and at most 100; got 0/);
    expect(() => hchhAreas(totals(), { harmTopPercent: 120 })).toThrow(/harmTopPercent/);
    expect(() => hchhAreas(totals(), { minCells: 0 })).toThrow(/minCells/);
  });

  it('takes the threshold as the smallest value in the top percent, ties included', () => {
    expect(topThreshold([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 20)).toBe(9);
    expect(topThreshold([5, 5, 5, 1], 25)).toBe(5);
    expect(topThreshold([3, 1], 1)).toBe(3); // at least one cell is in
  });
});

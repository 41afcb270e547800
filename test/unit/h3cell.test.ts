import { cellToChildren, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { parseCellId, storageCellOf, storageRangeOf } from '../../server/domain/h3cell';

describe('storage cells and ranges', () => {
  const cell9 = latLngToCell(53.4055, -2.9798, 9); // Liverpool city centre

  it("every resolution-12 child of a cell lies in its storage range, and no neighbour's child does", () => {
    const { lo, hi } = storageRangeOf(cell9);
    const inRange = (c: string) => {
      const v = BigInt(`0x${c}`);
      return v >= BigInt(lo) && v <= BigInt(hi);
    };
    const children = cellToChildren(cell9, 12);
    expect(children.length).toBe(7 ** 3);
    expect(children.every(inRange)).toBe(true);
    for (const n of gridDisk(cell9, 1).filter((c) => c !== cell9)) expect(cellToChildren(n, 12).some(inRange)).toBe(false);
  });

  it('stores a position as the decimal form of its resolution-12 cell', () => {
    expect(BigInt(storageCellOf(53.4055, -2.9798)).toString(16)).toBe(latLngToCell(53.4055, -2.9798, 12));
  });

  it('explains a bad cell id', () => {
    expect(() => parseCellId('xyz')).toThrow(/not an H3 cell index/);
    expect(() => parseCellId(latLngToCell(53.4, -2.98, 5))).toThrow(/resolution 5; harmgrid aggregates at resolutions 7–11/);
    expect(parseCellId(cell9.toUpperCase())).toEqual({ cell: cell9, resolution: 9 });
  });
});

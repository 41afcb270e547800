import { cellArea, cellToCenterChild, cellToParent, getResolution, isValidCell, latLngToCell } from 'h3-js';

/** Resolution at which every incident is stored; coarser cells are derived from it in SQL. */
export const STORAGE_RESOLUTION = 12;
/** Resolution of the harm cube's cells: the finest the API answers at. */
export const CUBE_RESOLUTION = 11;
/** Resolution of the harm rollup's cells (migration 20261205000010): questions at it or coarser read the rollup. */
export const ROLLUP_RESOLUTION = 7;
/** Resolutions the API aggregates to (H3 res 7 ≈ 5.2 km², res 11 ≈ 0.002 km² per cell). */
export const MIN_RESOLUTION = 7;
export const MAX_RESOLUTION = 11;

/**
 * The storage cell of a WGS84 position as the signed 64-bit integer the database holds, in decimal.
 * H3 indexes keep bit 63 at zero, so every index fits a signed bigint unchanged.
 * @example storageCellOf(53.4053, -2.9803) // '631218…' (the res-12 cell as a decimal string)
 */
export function storageCellOf(lat: number, lon: number): string {
  return BigInt(`0x${latLngToCell(lat, lon, STORAGE_RESOLUTION)}`).toString();
}

/** H3 index string (hex, as h3-js and the API use) → decimal string for a bigint SQL parameter. */
export function cellToDecimal(cell: string): string {
  return BigInt(`0x${cell}`).toString();
}

/** Checks an H3 cell id from a request: a valid index at an aggregation resolution. */
export function parseCellId(cell: string): { cell: string; resolution: number } {
  const id = cell.toLowerCase();
  if (!/^[0-9a-f]{15}$/.test(id) || !isValidCell(id)) {
    throw new Error(`"${cell}" is not an H3 cell index (15 hexadecimal characters, e.g. 89195da49b7ffff)`);
  }
  const resolution = getResolution(id);
  if (resolution < MIN_RESOLUTION || resolution > MAX_RESOLUTION) {
    throw new Error(`cell ${cell} is at resolution ${resolution}; harmgrid aggregates at resolutions ${MIN_RESOLUTION}–${MAX_RESOLUTION}`);
  }
  return { cell: id, resolution };
}

/** Parent of a cell at a coarser resolution (the same rule as the SQL function h3_parent). */
export function parentCell(cell: string, resolution: number): string {
  return cellToParent(cell, resolution);
}

/**
 * The stored cells (resolution 12 for incidents, 11 for the harm cube) under a coarser cell form one
 * contiguous range of index values, because the digits below a cell's resolution are the lowest bits
 * of the index. Returned as decimal strings for `cell BETWEEN lo AND hi`, which a b-tree index answers.
 * @example storageRangeOf('89195da49b7ffff') // { lo: '…', hi: '…' }
 */
export function storageRangeOf(cell: string, stored = STORAGE_RESOLUTION): { lo: string; hi: string } {
  const res = getResolution(cell);
  if (res > stored) throw new Error(`cell ${cell} is finer (res ${res}) than the stored resolution ${stored}`);
  const index = BigInt(`0x${cell}`);
  const resMask = 15n << 52n;
  const atStorage = (index & ~resMask) | (BigInt(stored) << 52n);
  const belowParent = (1n << BigInt(3 * (15 - res))) - 1n; // digits res+1..15
  const belowStorage = (1n << BigInt(3 * (15 - stored))) - 1n; // digits below the stored resolution, always 7
  const lo = (atStorage & ~belowParent) | belowStorage;
  const hi = atStorage | belowParent;
  return { lo: lo.toString(), hi: hi.toString() };
}

/**
 * The area of many cells in km², for study areas of up to a million cells. h3-js's exact cellArea
 * costs about 25 µs a cell (8 s for the 336,430 res-11 cells of Merseyside), and H3's distortion
 * changes smoothly: the cells under one res-8 cell (about 0.74 km²) differ in area by under 0.01 %
 * (measured around Liverpool and Leicester: at most 0.0096 % at res 11). Rule: a cell at resolution
 * 9–15 gets the exact area of its res-8 ancestor's centre child at its resolution, computed once per
 * ancestor; cells at resolutions 0–8 (at most a few thousand in a force) get their own exact area.
 * @example cellAreasKm2(['8b195105592afff']) // Float64Array [0.00193…]
 */
export function cellAreasKm2(cells: readonly string[]): Float64Array {
  const out = new Float64Array(cells.length);
  const memo = new Map<string, number>();
  cells.forEach((c, i) => {
    const r = getResolution(c);
    if (r <= 8) {
      out[i] = cellArea(c, 'km2');
      return;
    }
    const up = cellToParent(c, 8);
    let a = memo.get(up);
    if (a === undefined) {
      a = cellArea(cellToCenterChild(up, r), 'km2');
      memo.set(up, a);
    }
    out[i] = a;
  });
  return out;
}

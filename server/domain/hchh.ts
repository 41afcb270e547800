import { cellArea, cellsToMultiPolygon, gridDisk } from 'h3-js';

/** Count and harm of one cell over the chosen period. */
export interface CellTotal {
  cell: string;
  incidents: number;
  harm: number;
}

export interface HchhOptions {
  /** A cell is high-crime when its count is in the top `crimeTopPercent` % of study-area cells (default 1). */
  crimeTopPercent: number;
  /** A cell is high-harm when its harm is in the top `harmTopPercent` % of study-area cells (default 1). */
  harmTopPercent: number;
  /** Areas with fewer selected cells are dropped (default 1: keep single cells). */
  minCells: number;
  /** Keep at most this many areas, highest harm first (default: all). */
  maxAreas: number | null;
}

export const defaultHchhOptions: HchhOptions = { crimeTopPercent: 1, harmTopPercent: 1, minCells: 1, maxAreas: null };

export interface HchhArea {
  rank: number;
  cells: string[];
  incidents: number;
  harm: number;
  areaKm2: number;
}

export interface HchhResult {
  areas: HchhArea[];
  thresholds: { minIncidents: number; minHarm: number };
  studyArea: { cells: number; areaKm2: number; incidents: number; harm: number };
}

/**
 * High Crime High Harm (HCHH) areas.
 *
 * Rule: rank the study-area cells (empty cells included) by incident count and, separately, by harm.
 * A cell is selected when it is in the top `crimeTopPercent` % by count AND in the top `harmTopPercent` %
 * by harm (ties at the threshold are all in). Selected cells that touch (H3 neighbours) merge into one
 * area; areas are ranked by harm. Merseyside Police used the same two-way ranking with the Cambridge
 * Crime Harm Index to pick 12 areas covering 0.5% of the force area (Merseyside Serious Violence Duty Strategy).
 *
 * @param studyCells every cell of the study area, with totals (zero for empty cells)
 * @example hchhAreas(totals, { ...defaultHchhOptions, crimeTopPercent: 2 })
 */
export function hchhAreas(studyCells: CellTotal[], options: Partial<HchhOptions> = {}): HchhResult {
  const opts = { ...defaultHchhOptions, ...options };
  for (const [name, v] of [
    ['crimeTopPercent', opts.crimeTopPercent],
    ['harmTopPercent', opts.harmTopPercent],
  ] as const) {
    if (!(v > 0 && v <= 100)) throw new Error(`${name} must be a percentage above 0 and at most 100; got ${v}`);
  }
  if (!Number.isInteger(opts.minCells) || opts.minCells < 1) throw new Error(`minCells must be a whole number ≥ 1; got ${opts.minCells}`);
  if (opts.maxAreas !== null && (!Number.isInteger(opts.maxAreas) || opts.maxAreas < 1)) {
    throw new Error(`maxAreas must be a whole number ≥ 1 or null; got ${opts.maxAreas}`);
  }

  const areaPerCell = new Map<string, number>();
  let studyKm2 = 0,
    studyIncidents = 0,
    studyHarm = 0;
  for (const c of studyCells) {
    const a = cellArea(c.cell, 'km2');
    areaPerCell.set(c.cell, a);
    studyKm2 += a;
    studyIncidents += c.incidents;
    studyHarm += c.harm;
  }
  const minIncidents = topThreshold(
    studyCells.map((c) => c.incidents),
    opts.crimeTopPercent,
  );
  const minHarm = topThreshold(
    studyCells.map((c) => c.harm),
    opts.harmTopPercent,
  );
  const selected = new Map<string, CellTotal>();
  for (const c of studyCells) {
    if (c.incidents > 0 && c.harm > 0 && c.incidents >= minIncidents && c.harm >= minHarm) selected.set(c.cell, c);
  }

  // Merge touching selected cells with a flood fill over H3 neighbours.
  const seen = new Set<string>();
  const areas: HchhArea[] = [];
  for (const start of selected.keys()) {
    if (seen.has(start)) continue;
    const stack = [start];
    seen.add(start);
    const cells: string[] = [];
    while (stack.length) {
      const cell = stack.pop() as string;
      cells.push(cell);
      for (const n of gridDisk(cell, 1)) {
        if (!seen.has(n) && selected.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
    if (cells.length < opts.minCells) continue;
    let incidents = 0,
      harm = 0,
      areaKm2 = 0;
    for (const cell of cells) {
      const t = selected.get(cell) as CellTotal;
      incidents += t.incidents;
      harm += t.harm;
      areaKm2 += areaPerCell.get(cell) ?? 0;
    }
    areas.push({ rank: 0, cells: cells.sort(), incidents, harm, areaKm2 });
  }
  areas.sort((a, b) => b.harm - a.harm || b.incidents - a.incidents || (a.cells[0] ?? '').localeCompare(b.cells[0] ?? ''));
  const kept = opts.maxAreas === null ? areas : areas.slice(0, opts.maxAreas);
  kept.forEach((a, i) => {
    a.rank = i + 1;
  });
  return {
    areas: kept,
    thresholds: { minIncidents, minHarm },
    studyArea: { cells: studyCells.length, areaKm2: studyKm2, incidents: studyIncidents, harm: studyHarm },
  };
}

/** The smallest value still in the top `percent` % of `values` (at least one value is in). */
export function topThreshold(values: number[], percent: number): number {
  if (values.length === 0) return Infinity;
  const sorted = Float64Array.from(values).sort().reverse();
  const k = Math.max(1, Math.floor((sorted.length * percent) / 100));
  return sorted[k - 1] as number;
}

/** GeoJSON MultiPolygon outline of a set of cells ([lng, lat] order, closed rings). */
export function cellsOutline(cells: string[]): { type: 'MultiPolygon'; coordinates: number[][][][] } {
  return { type: 'MultiPolygon', coordinates: cellsToMultiPolygon(cells, true) };
}

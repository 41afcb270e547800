import { cellsToMultiPolygon, gridDisk } from 'h3-js';
import { DEFAULT_MAX_DIAMETER_M, greedyPatrolAreas } from './backtest/patrolAreas';
import { centreLookup } from './hotspots/centres';
import { CUBE_RESOLUTION, cellAreasKm2 } from './h3cell';
import { h3NeighbourLookup } from './hotspots/neighbours';

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
  /** The threshold rule's cut-offs (null for the patrol-plan rule, which has none). */
  thresholds: { minIncidents: number; minHarm: number } | null;
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
 * @param cellKm2 the cells' areas (cellAreasKm2), when the caller keeps them
 * @example hchhAreas(totals, { ...defaultHchhOptions, crimeTopPercent: 2 })
 */
export function hchhAreas(studyCells: CellTotal[], options: Partial<HchhOptions> = {}, cellKm2?: ArrayLike<number>): HchhResult {
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

  const km2 = cellKm2 ?? cellAreasKm2(studyCells.map((c) => c.cell));
  const areaPerCell = new Map<string, number>();
  studyCells.forEach((c, i) => areaPerCell.set(c.cell, km2[i]!));
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
  return { areas: rankAreas(areas, opts.maxAreas), thresholds: { minIncidents, minHarm }, studyArea: studyTotals(studyCells, km2) };
}

/** Areas ranked by harm (then incidents, then first cell), the first `maxAreas` kept (all when null) and numbered from 1. */
function rankAreas(areas: HchhArea[], maxAreas: number | null): HchhArea[] {
  areas.sort((a, b) => b.harm - a.harm || b.incidents - a.incidents || (a.cells[0] ?? '').localeCompare(b.cells[0] ?? ''));
  const kept = maxAreas === null ? areas : areas.slice(0, maxAreas);
  kept.forEach((a, i) => {
    a.rank = i + 1;
  });
  return kept;
}

/** The study area's count of cells, km², incidents and harm. */
function studyTotals(studyCells: CellTotal[], cellKm2: ArrayLike<number>): HchhResult['studyArea'] {
  let areaKm2 = 0,
    incidents = 0,
    harm = 0;
  studyCells.forEach((c, i) => {
    areaKm2 += cellKm2[i]!;
    incidents += c.incidents;
    harm += c.harm;
  });
  return { cells: studyCells.length, areaKm2, incidents, harm };
}

/**
 * The ways HCHH areas are chosen. `patrol-plan` (the default) builds the areas a patrol plan can use;
 * `merseyside` is the rule Merseyside Police published (top 1 % by count and by harm, touching cells
 * merged), kept by name. Why the default: docs in the README "Which hotspots hold next month's harm".
 */
export const HCHH_RULES = ['patrol-plan', 'merseyside'] as const;
export type HchhRule = (typeof HCHH_RULES)[number];

export interface PatrolPlanOptions {
  /** At most this many areas (default 15, as many as a force can patrol: Merseyside used 12). */
  maxAreas: number;
  /** Each area at most this many km² (default 0.5, a patrollable beat). */
  maxAreaKm2: number;
  /** All areas together at most this share of the study area (default 0.005: 0.5 %, Merseyside's). */
  budgetShare: number;
  /** No two cells of an area more than this many metres apart (default 1,200: a beat walked end to end in a quarter of an hour; DEFAULT_MAX_DIAMETER_M). */
  maxDiameterM: number;
}

export const defaultPatrolPlanOptions: PatrolPlanOptions = { maxAreas: 15, maxAreaKm2: 0.5, budgetShare: 0.005, maxDiameterM: DEFAULT_MAX_DIAMETER_M };

/**
 * The H3 resolutions patrol-plan areas are built from, whatever resolution the map shows: by default
 * the finest the cube keeps (11, ≈0.003 km²), so an area can follow the streets that hold the harm
 * (on Merseyside 2020-10..2021-09 the 15 areas hold 13.8 % of the harm from res-11 cells, 8.8 % from
 * res-9 cells); 9 is the coarsest, where an area of 0.5 km² is still about five cells.
 */
export const AREA_RESOLUTION = { min: 9, max: CUBE_RESOLUTION, default: CUBE_RESOLUTION } as const;

/**
 * HCHH areas by the patrol-plan rule: at most `maxAreas` contiguous areas, each at most `maxAreaKm2`,
 * together at most `budgetShare` of the study area and apart from each other, that hold the most harm
 * of the period — built by greedy region growing into solid beats (greedyPatrolAreas: the densest
 * harm per km² first, weighed by roundness, crossing up to two cells without harm to reach more, every
 * cell inside an area's hull taken in; its gap to the exact optimum is measured in the tests). The rolling backtest chose it: ranking cells by the period's harm holds next month's
 * harm as well as any method tried on both forces (within their intervals) and better than the last
 * three months, and the rule keeps the count of areas and their size to what a force can patrol.
 * @param studyCells every cell of the study area, with totals (zero for empty cells)
 * @param cellKm2 the cells' areas (cellAreasKm2), when the caller keeps them
 * @param cellIds the same cells' ids in the same order, when the caller keeps them (the study area's):
 *   the neighbour and centre lookups are kept per ids array, so every period of one study area shares them
 * @example patrolPlanAreas(totals, { maxAreas: 12 }) // ≤ 12 areas in 0.5 % of the area
 */
export function patrolPlanAreas(
  studyCells: CellTotal[],
  options: Partial<PatrolPlanOptions> = {},
  cellKm2?: ArrayLike<number>,
  cellIds?: readonly string[],
): HchhResult {
  const opts = { ...defaultPatrolPlanOptions, ...options };
  if (!Number.isInteger(opts.maxAreas) || opts.maxAreas < 1) throw new Error(`maxAreas must be a whole number ≥ 1; got ${opts.maxAreas}`);
  if (!(opts.maxAreaKm2 > 0)) throw new Error(`maxAreaKm2 must be above 0; got ${opts.maxAreaKm2}`);
  if (!(opts.budgetShare > 0 && opts.budgetShare <= 1)) throw new Error(`budgetShare must be above 0 and at most 1; got ${opts.budgetShare}`);
  if (!(opts.maxDiameterM > 0)) throw new Error(`maxDiameterM must be above 0 metres; got ${opts.maxDiameterM}`);
  const value = Float64Array.from(studyCells, (c) => (c.harm > 0 && c.incidents > 0 ? c.harm : 0));
  const areaKm2 = cellKm2 ?? cellAreasKm2(studyCells.map((c) => c.cell));
  const study = studyTotals(studyCells, areaKm2);
  // Neighbours on demand: the builder looks only around its areas, a few thousand of up to 340,000 cells.
  if (cellIds && (cellIds.length !== studyCells.length || cellIds[0] !== studyCells[0]?.cell))
    throw new Error("cellIds must be the study cells' ids in their order");
  const ids = cellIds ?? studyCells.map((c) => c.cell);
  const plan = greedyPatrolAreas(value, areaKm2, h3NeighbourLookup(ids), centreLookup(ids), {
    maxAreas: opts.maxAreas,
    maxAreaKm2: opts.maxAreaKm2,
    maxDiameterM: opts.maxDiameterM,
    budgetKm2: opts.budgetShare * study.areaKm2,
  });
  const areas: HchhArea[] = plan.areas.map((a) => {
    let incidents = 0,
      harm = 0;
    for (const i of a.cells) {
      incidents += studyCells[i]!.incidents;
      harm += studyCells[i]!.harm;
    }
    return { rank: 0, cells: a.cells.map((i) => studyCells[i]!.cell).sort(), incidents, harm, areaKm2: a.areaKm2 };
  });
  return { areas: rankAreas(areas, null), thresholds: null, studyArea: study };
}

/**
 * The rule in words, as every answer, page and export that lists HCHH areas prints it, with the
 * resolution of the cells the areas are built from (and, when given, why that one).
 */
export function describeHchhRule(
  rule: HchhRule,
  o: { patrol?: Partial<PatrolPlanOptions>; threshold?: Partial<HchhOptions>; cellResolution?: number; cellResolutionWhy?: string },
): string {
  const cells =
    o.cellResolution === undefined ? '' : `, built from resolution-${o.cellResolution} H3 cells${o.cellResolutionWhy ? ` (${o.cellResolutionWhy})` : ''}`;
  if (rule === 'patrol-plan') {
    const p = { ...defaultPatrolPlanOptions, ...o.patrol };
    return `patrol plan: at most ${p.maxAreas} areas apart from each other, each contiguous and solid (every cell inside the convex hull of its cells included), at most ${p.maxAreaKm2} km² and at most ${p.maxDiameterM} m across, together at most ${+(p.budgetShare * 100).toFixed(4)} % of the study area, holding the most harm of the period (greedy region growing, densest harm first, kept round)${cells}`;
  }
  const t = { ...defaultHchhOptions, ...o.threshold };
  return `cells in the top ${t.crimeTopPercent}% by count and the top ${t.harmTopPercent}% by harm of the study area, merged where they touch (the rule Merseyside Police published)${t.minCells > 1 ? `; areas of at least ${t.minCells} cells` : ''}${t.maxAreas ? `; the ${t.maxAreas} with most harm` : ''}${cells}`;
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

import { cellToLatLng } from 'h3-js';
import type { Db } from '../db/connection';
import { cellsSql } from '../db/incidentQueries';
import { PositionStore } from '../db/positions';
import { BACKTEST_DEFAULTS, runBacktest } from '../domain/backtest/backtest';
import { captureBounds } from '../domain/backtest/bounds';
import { History, type BacktestData, type MonthPositions } from '../domain/backtest/history';
import { studyAreaKm2, type SelectionMethod } from '../domain/backtest/method';
import { methodByKey, METHODS } from '../domain/backtest/methods';
import { DEFAULT_MAX_DIAMETER_M, greedyPatrolAreas } from '../domain/backtest/patrolAreas';
import { cellsOutline } from '../domain/hchh';
import { centreLookup } from '../domain/hotspots/centres';
import { h3NeighbourLookup, h3Neighbours, type Neighbours } from '../domain/hotspots/neighbours';
import { addMonths, monthRange } from '../domain/months';
import { DomainError } from '../domain/errors';
import { POLICE_UK_CRIME_TYPES } from '../ingest/policeUk';
import type { Analysis, ResolvedParams } from './analysis';
import { requireComplete } from './coverage';

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQUATOR = 111_320;

export interface PatrolAreaRequest {
  method: string;
  window: number;
  maxAreas: number;
  maxAreaKm2: number;
  budgetShare: number;
  maxDiameterM: number;
  /** The resolution of the cells the areas are built from (AREA_RESOLUTION; default 11, as the HCHH patrol plan). */
  areaResolution?: number | undefined;
}

/**
 * The same context with its definition widened to every crime type data.police.uk publishes and
 * anti-social behaviour (force extracts' offence codes map onto the same categories, domain/offences.ts): the other-crime
 * methods' leading indicator. Sources, forces and months stay the context's own.
 */
function allCrimeContext(r: ResolvedParams): ResolvedParams {
  const definition = {
    anyOf: [
      { label: 'All recorded crime and anti-social behaviour', categories: [...POLICE_UK_CRIME_TYPES], weapon: 'any' as const, domestic: 'include' as const },
    ],
  };
  return { ...r, filter: { ...r.filter, definition } };
}

/** What the methods read besides the cell-month totals. */
function readsOf(methods: SelectionMethod[]): { positions: boolean; allCrime: boolean } {
  const reads = new Set(methods.flatMap((m) => m.reads ?? []));
  return { positions: reads.has('positions'), allCrime: reads.has('allCrime') };
}

export const PATROL_DEFAULTS = { method: 'top-harm', window: 12, maxAreas: 15, maxAreaKm2: 0.5, budgetShare: 0.005, maxDiameterM: DEFAULT_MAX_DIAMETER_M };

/**
 * The rolling backtest of hotspot selection methods, and patrol areas, over the stored incidents of
 * the study area: loads the cell-month totals (and positions, for kernel density) once through the
 * Analysis service, then runs the pure backtest and area builder.
 */
export class BacktestService {
  private readonly positions: PositionStore;

  constructor(
    db: Db,
    private readonly analysis: Analysis,
  ) {
    this.positions = new PositionStore(db);
  }

  /**
   * The study area's cells with their monthly incidents and harm (and, when asked, positions and the
   * counts of all recorded crime), months r.from…r.to.
   */
  async data(r: ResolvedParams, opts: { positions: boolean; allCrime?: boolean }): Promise<{ data: BacktestData; basis: string }> {
    // The queries are independent: run them side by side.
    const [study, monthTotals, allCrimeTotals] = await Promise.all([
      this.analysis.studyArea(r),
      this.analysis.cellMonthTotals(r),
      opts.allCrime ? this.analysis.cellMonthTotals(allCrimeContext(r)) : null,
    ]);
    const cells = study.cells.map((c) => c.cell);
    if (cells.length < 3)
      throw new DomainError('invalid', `the study area has ${cells.length} cells at resolution ${r.resolution}; a backtest needs at least 3`);
    const index = new Map(cells.map((c, i) => [c, i]));
    const months = monthRange(r.from, r.to);
    const monthIndex = new Map(months.map((m, t) => [m, t]));
    const n = cells.length;
    const incidents = months.map(() => new Float64Array(n));
    const harm = months.map(() => new Float64Array(n));
    for (const row of monthTotals) {
      const i = index.get(row.cell),
        t = monthIndex.get(row.month);
      if (i === undefined || t === undefined) continue;
      incidents[t]![i] = row.incidents;
      harm[t]![i] = row.harm;
    }
    let allCrime: Float64Array[] | null = null;
    if (allCrimeTotals) {
      allCrime = months.map(() => new Float64Array(n));
      for (const row of allCrimeTotals) {
        const i = index.get(row.cell),
          t = monthIndex.get(row.month);
        if (i !== undefined && t !== undefined) allCrime[t]![i] = row.incidents;
      }
    }
    const centres = cells.map((c) => cellToLatLng(c));
    const lat0 = centres.reduce((s, c) => s + c[0], 0) / n,
      lon0 = centres.reduce((s, c) => s + c[1], 0) / n;
    const kx = Math.cos((lat0 * Math.PI) / 180) * M_PER_DEG_LON_EQUATOR;
    // A local equirectangular plane: within a force (tens of km) distances are right to a fraction of a per cent.
    const toX = (lon: number) => (lon - lon0) * kx,
      toY = (lat: number) => (lat - lat0) * M_PER_DEG_LAT;
    let positions: MonthPositions[] | null = null;
    if (opts.positions) {
      const byMonth = months.map(() => ({ x: [] as number[], y: [] as number[], incidents: [] as number[], harm: [] as number[] }));
      for (const p of await this.positions.monthPositions(r.filter)) {
        const t = monthIndex.get(p.month);
        if (t === undefined) continue;
        const m = byMonth[t]!;
        m.x.push(toX(p.lon));
        m.y.push(toY(p.lat));
        m.incidents.push(p.incidents);
        m.harm.push(p.harm);
      }
      positions = byMonth.map((m) => ({
        x: Float64Array.from(m.x),
        y: Float64Array.from(m.y),
        incidents: Float64Array.from(m.incidents),
        harm: Float64Array.from(m.harm),
      }));
    }
    let nb: Neighbours | null = null;
    return {
      basis: study.basis,
      data: {
        cells,
        months,
        incidents,
        harm,
        positions,
        allCrime,
        areaKm2: study.cellKm2,
        centreX: Float64Array.from(centres, (c) => toX(c[1])),
        centreY: Float64Array.from(centres, (c) => toY(c[0])),
        neighbours: () => (nb ??= h3Neighbours(cells, { k: 1, weights: 'binary' })),
      },
    };
  }

  async backtest(
    r: ResolvedParams,
    o: { methods?: string[] | undefined; windows?: number[] | undefined; horizons?: number[] | undefined; budgets?: number[] | undefined },
  ) {
    requireComplete(r, 'the backtest (every origin is scored on the months after it)');
    const methods = (o.methods?.length ? o.methods : METHODS.map((m) => m.key)).map((k) => {
      try {
        return methodByKey(k);
      } catch (e) {
        throw new DomainError('invalid', (e as Error).message);
      }
    });
    const { data, basis } = await this.data(r, readsOf(methods));
    const options = {
      windows: o.windows ?? BACKTEST_DEFAULTS.windows,
      horizons: o.horizons ?? BACKTEST_DEFAULTS.horizons,
      budgets: o.budgets ?? BACKTEST_DEFAULTS.budgets,
    };
    let result: ReturnType<typeof runBacktest>;
    try {
      result = runBacktest(data, { methods, ...options });
    } catch (e) {
      throw new DomainError('invalid', (e as Error).message);
    }
    return {
      ...result,
      studyArea: { cells: data.cells.length, areaKm2: result.studyAreaKm2, basis },
      methods: methods.map((m) => ({ key: m.key, name: m.name, description: m.description })),
      options: { ...options, minHistory: BACKTEST_DEFAULTS.minHistory, tuneBudgetShare: BACKTEST_DEFAULTS.tuneBudgetShare },
    };
  }

  /** The oracle and hindsight references of the backtest (bounds.ts) over the same origins, horizons and budgets. */
  async bounds(r: ResolvedParams, o: { horizons?: number[] | undefined; budgets?: number[] | undefined } = {}) {
    requireComplete(r, 'the backtest bounds (every origin is scored on the months after it)');
    const { data } = await this.data(r, { positions: false });
    return captureBounds(data, {
      horizons: o.horizons ?? BACKTEST_DEFAULTS.horizons,
      budgets: o.budgets ?? BACKTEST_DEFAULTS.budgets,
      minHistory: BACKTEST_DEFAULTS.minHistory,
    });
  }

  /**
   * Patrol areas for the month after r.to: the method's scores on the `window` months up to r.to are
   * the predicted harm per cell; the greedy area builder picks the areas from cells of `areaResolution`
   * (as the HCHH patrol plan: default 11, whatever r.resolution the map shows; a partner on restricted
   * sources at most the disclosure resolution); each is named as HCHH areas are and given its share of
   * the study area, and of the window's incidents and harm.
   */
  async patrolAreas(r: ResolvedParams, q: PatrolAreaRequest) {
    let method: ReturnType<typeof methodByKey>;
    try {
      method = methodByKey(q.method);
    } catch (e) {
      throw new DomainError('invalid', (e as Error).message);
    }
    const windowFrom = [addMonths(r.to, -(q.window - 1)), r.from].sort().pop()!;
    requireComplete(r, 'patrol areas (predicted from the months of the window)', windowFrom, r.to);
    const cellResolution = this.analysis.patrolCellResolution(r, q.areaResolution);
    const windowed: ResolvedParams = { ...r, resolution: cellResolution.resolution, from: windowFrom, filter: { ...r.filter, from: windowFrom } };
    const { data, basis } = await this.data(windowed, readsOf([method]));
    const T = data.months.length;
    const A = studyAreaKm2(data.areaKm2);
    const memo = new Map<string, unknown>();
    const value = method.score({ history: new History(data, T), window: q.window, budgetShare: q.budgetShare, tuneBudgetShare: q.budgetShare, memo });
    const limits = { maxAreas: q.maxAreas, maxAreaKm2: q.maxAreaKm2, maxDiameterM: q.maxDiameterM, budgetKm2: q.budgetShare * A };
    const plan = greedyPatrolAreas(value, data.areaKm2, h3NeighbourLookup(data.cells), centreLookup(data.cells), limits);
    const counts = new Float64Array(data.cells.length),
      harm = new Float64Array(data.cells.length);
    for (let t = 0; t < T; t++)
      for (let i = 0; i < counts.length; i++) {
        counts[i]! += data.incidents[t]![i]!;
        harm[i]! += data.harm[t]![i]!;
      }
    const totalIncidents = counts.reduce((s, v) => s + v, 0),
      totalHarm = harm.reduce((s, v) => s + v, 0);
    const namer = await this.analysis.areaNamer(windowed.to);
    const areas = await Promise.all(
      plan.areas.map(async (a, k) => {
        const ids = a.cells.map((i) => data.cells[i]!).sort();
        const topLocations = await this.analysis.incidents.topLocations(windowed.filter, cellsSql(ids), 5);
        const incidents = a.cells.reduce((s, i) => s + counts[i]!, 0),
          h = a.cells.reduce((s, i) => s + harm[i]!, 0);
        return {
          rank: k + 1,
          name: namer(
            ids,
            topLocations.map((l) => l.location),
          ),
          cellIds: ids,
          areaKm2: a.areaKm2,
          predicted: a.value,
          incidents,
          harm: h,
          shareOfArea: a.areaKm2 / A,
          shareOfIncidents: totalIncidents ? incidents / totalIncidents : 0,
          shareOfHarm: totalHarm ? h / totalHarm : 0,
          /** Polsby–Popper of the cells' outline (outlineRoundness): 0.91 a lone hexagon, about 0.7 a round beat, near 0 a chain. */
          polsbyPopper: a.polsbyPopper,
          outline: cellsOutline(ids),
        };
      }),
    );
    const sum = (f: (a: (typeof areas)[number]) => number) => areas.reduce((s, a) => s + f(a), 0);
    return {
      method: { key: method.key, name: method.name, description: method.description },
      window: { from: windowed.from, to: windowed.to, months: T },
      limits: { maxAreas: q.maxAreas, maxAreaKm2: q.maxAreaKm2, maxDiameterM: q.maxDiameterM, budgetShare: q.budgetShare, budgetKm2: limits.budgetKm2 },
      /** The H3 resolution of every area's cells, and why when it is not the one asked for. */
      cellResolution: cellResolution.resolution,
      ...(cellResolution.why ? { cellResolutionWhy: cellResolution.why } : {}),
      studyArea: { cells: data.cells.length, areaKm2: A, incidents: totalIncidents, harm: totalHarm, basis, resolution: cellResolution.resolution },
      areas,
      totals: {
        areas: areas.length,
        cells: sum((a) => a.cellIds.length),
        areaKm2: sum((a) => a.areaKm2),
        incidents: sum((a) => a.incidents),
        harm: sum((a) => a.harm),
        shareOfArea: sum((a) => a.shareOfArea),
        shareOfIncidents: sum((a) => a.shareOfIncidents),
        shareOfHarm: sum((a) => a.shareOfHarm),
      },
    };
  }
}

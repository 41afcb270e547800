import { cellArea, cellToLatLng, greatCircleDistance, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../server/domain/backtest/backtest';
import { History, LookAheadError, type BacktestData } from '../../server/domain/backtest/history';
import { METHODS } from '../../server/domain/backtest/methods';
import { topHarm } from '../../server/domain/backtest/methods/counts';
import { areaDiameterM, DEFAULT_MAX_DIAMETER_M, greedyPatrolAreas, planViolations } from '../../server/domain/backtest/patrolAreas';
import { exactPatrolAreas } from '../../server/domain/backtest/patrolAreasExact';
import { centreLookup } from '../../server/domain/hotspots/centres';
import { h3Neighbours } from '../../server/domain/hotspots/neighbours';
import { monthRange } from '../../server/domain/months';
import { PROXY_CATEGORIES, monthFile, readRows } from '../support/data';

/**
 * Backtest data built straight from the real data.police.uk files (not through harmgrid's import):
 * proxy serious violence, counts as harm, the study area = every cell holding an incident of any kind.
 */
function fromFiles(months: string[], resolution: number): BacktestData {
  const rows = months.map((m) => readRows(monthFile(m)).filter((r) => r.Longitude !== ''));
  const all = new Set<string>();
  for (const m of rows) for (const r of m) all.add(latLngToCell(Number(r.Latitude), Number(r.Longitude), resolution));
  const cells = [...all].sort();
  const index = new Map(cells.map((c, i) => [c, i]));
  const lat0 = 53.4,
    lon0 = -2.9,
    kx = Math.cos((lat0 * Math.PI) / 180) * 111_320;
  const nb = h3Neighbours(cells, { k: 1 });
  const incidents = rows.map(() => new Float64Array(cells.length));
  // Every row of the street file (all crime types and anti-social behaviour): the other-crime method's leading indicator.
  const allCrime = rows.map((m) => {
    const v = new Float64Array(cells.length);
    for (const r of m) v[index.get(latLngToCell(Number(r.Latitude), Number(r.Longitude), resolution))!]! += 1;
    return v;
  });
  const positions = rows.map((m, t) => {
    const byPos = new Map<string, [number, number, number]>();
    for (const r of m) {
      if (!PROXY_CATEGORIES.has(r['Crime type']!)) continue;
      const lat = Number(r.Latitude),
        lon = Number(r.Longitude);
      incidents[t]![index.get(latLngToCell(lat, lon, resolution))!]! += 1;
      const e = byPos.get(`${lon},${lat}`);
      if (e) e[2] += 1;
      else byPos.set(`${lon},${lat}`, [(lon - lon0) * kx, (lat - lat0) * 110_574, 1]);
    }
    const v = [...byPos.values()];
    const w = Float64Array.from(v, (e) => e[2]);
    return { x: Float64Array.from(v, (e) => e[0]), y: Float64Array.from(v, (e) => e[1]), incidents: w, harm: w };
  });
  const centres = cells.map((c) => cellToLatLng(c));
  return {
    cells,
    months,
    incidents,
    harm: incidents,
    positions,
    allCrime,
    areaKm2: Float64Array.from(cells, (c) => cellArea(c, 'km2')),
    centreX: Float64Array.from(centres, ([, lon]) => (lon - lon0) * kx),
    centreY: Float64Array.from(centres, ([lat]) => (lat - lat0) * 110_574),
    neighbours: () => nb,
  };
}

describe('rolling backtest on 14 real months (res 9)', () => {
  const data = fromFiles(monthRange('2019-01', '2020-02'), 9);

  it('never reads an evaluation month when selecting, for any method', () => {
    const reads: [number, number][] = [];
    const result = runBacktest(data, { methods: METHODS, onRead: (month, origin) => reads.push([month, origin]) });
    expect(reads.length).toBeGreaterThan(1000);
    for (const [month, origin] of reads) expect(month, `origin ${origin} read month ${month}`).toBeLessThan(origin);
    // The origins are months 12 and 13 (tuned methods also select at earlier inner origins, seen
    // through the same guard); both read the month just before them, so the recorder sees real reads.
    const origins = new Set(reads.filter(([m, o]) => m === o - 1).map(([, o]) => o));
    expect(origins.has(12) && origins.has(13)).toBe(true);
    expect(Math.max(...reads.map(([, o]) => o))).toBe(13);
    expect(result.rows.filter((r) => r.horizon === 1 && r.origins === 2)).toHaveLength(METHODS.length * 3);
    // A method that peeks at its origin month is stopped.
    const peeking = {
      key: 'peek',
      name: 'peek',
      description: 'reads the origin month',
      score: (c: { history: History }) => c.history.incidents(c.history.origin),
    };
    expect(() => runBacktest(data, { methods: [peeking] })).toThrow(LookAheadError);
  });

  it('scores top-count at each origin exactly as counted from the files', () => {
    const result = runBacktest(data, { methods: METHODS.filter((m) => m.key === 'top-count'), horizons: [1], budgets: [0.01] });
    const row = result.rows[0]!;
    const A = data.areaKm2.reduce((s, a) => s + a, 0);
    const hits = [12, 13].map((t) => {
      const counts = new Float64Array(data.cells.length);
      for (let m = t - 12; m < t; m++)
        data.incidents[m]!.forEach((v, i) => {
          counts[i]! += v;
        });
      const order = [...counts.keys()].filter((i) => counts[i]! > 0).sort((a, b) => counts[b]! - counts[a]! || a - b);
      const chosen: number[] = [];
      let area = 0;
      for (const i of order) {
        if (area + data.areaKm2[i]! > 0.01 * A * (1 + 1e-9)) break;
        chosen.push(i);
        area += data.areaKm2[i]!;
      }
      const ev = data.incidents[t]!;
      return chosen.reduce((s, i) => s + ev[i]!, 0) / ev.reduce((s, v) => s + v, 0);
    });
    // Ties in counts break by harm (= counts here) then index, which the hand ranking reproduces.
    expect(row.hitRate.mean).toBeCloseTo((hits[0]! + hits[1]!) / 2, 12);
  });
});

describe('patrol areas on real data (12 months, res 10)', () => {
  const data = fromFiles(monthRange('2020-10', '2021-09'), 10);
  const A = data.areaKm2.reduce((s, a) => s + a, 0);
  const value = topHarm.score({ history: new History(data, 12), window: 12, budgetShare: 0.005, tuneBudgetShare: 0.005, memo: new Map() });

  const centre = centreLookup(data.cells);
  it('keeps every constraint: ≤ 15 areas, contiguous, ≤ 0.5 km² and no wider than the default each, ≤ 0.5 % of the area in all, apart, solid', () => {
    const limits = { maxAreas: 15, maxAreaKm2: 0.5, budgetKm2: 0.005 * A };
    const plan = greedyPatrolAreas(value, data.areaKm2, data.neighbours(), centre, limits);
    expect(planViolations(plan, data.areaKm2, data.neighbours(), centre, limits)).toEqual([]);
    // Independently of the builder's own test: every pair of cells of an area by h3's great-circle distance.
    for (const a of plan.areas)
      for (const p of a.cells)
        for (const q of a.cells)
          expect(greatCircleDistance(cellToLatLng(data.cells[p]!), cellToLatLng(data.cells[q]!), 'm')).toBeLessThanOrEqual(DEFAULT_MAX_DIAMETER_M * 1.000001);
    // Solid, checked independently of the builder's hull: a cell whose centre lies in a triangle of
    // three of an area's cells, or on the segment of two (to a centimetre, on the test's own plane),
    // lies in the area's hull (Carathéodory), so it must be in the area.
    const cellIndex = new Map(data.cells.map((c, i) => [c, i]));
    const xy = (i: number) => [data.centreX[i]!, data.centreY[i]!] as const;
    const cross = (o: readonly number[], a: readonly number[], b: readonly number[]) => (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);
    const onSegment = (p: readonly number[], a: readonly number[], b: readonly number[]) =>
      Math.abs(cross(a, b, p)) <= 0.01 * Math.hypot(b[0]! - a[0]!, b[1]! - a[1]!) &&
      Math.min(a[0]!, b[0]!) - 0.01 <= p[0]! &&
      p[0]! <= Math.max(a[0]!, b[0]!) + 0.01 &&
      Math.min(a[1]!, b[1]!) - 0.01 <= p[1]! &&
      p[1]! <= Math.max(a[1]!, b[1]!) + 0.01;
    const inTriangle = (p: readonly number[], a: readonly number[], b: readonly number[], c: readonly number[]) => {
      const d1 = cross(a, b, p),
        d2 = cross(b, c, p),
        d3 = cross(c, a, p);
      return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
    };
    let checked = 0;
    for (const a of plan.areas) {
      const inArea = new Set(a.cells);
      const around = gridDisk(data.cells[a.cells[0]!]!, Math.ceil(DEFAULT_MAX_DIAMETER_M / 100)).flatMap((c) =>
        cellIndex.has(c) && !inArea.has(cellIndex.get(c)!) ? [cellIndex.get(c)!] : [],
      );
      const pts = a.cells.map(xy);
      for (const c of around) {
        const p = xy(c);
        let inside = false;
        for (let i = 0; i < pts.length && !inside; i++)
          for (let j = i + 1; j < pts.length && !inside; j++) {
            if (onSegment(p, pts[i]!, pts[j]!)) inside = true;
            for (let k = j + 1; k < pts.length && !inside; k++)
              if (inTriangle(p, pts[i]!, pts[j]!, pts[k]!) && Math.abs(cross(pts[i]!, pts[j]!, pts[k]!)) > 1) inside = true;
          }
        expect(inside, `cell ${data.cells[c]} lies in the hull of an area without being in it`).toBe(false);
        checked++;
      }
      // Polsby–Popper of the outline: at most a lone hexagon's, above a one-cell-wide chain's.
      expect(a.polsbyPopper).toBeGreaterThan(0);
      expect(a.polsbyPopper).toBeLessThanOrEqual((Math.PI * Math.sqrt(3)) / 6 + 1e-9);
    }
    expect(checked).toBeGreaterThan(1000);
    console.log(
      `res-10 areas across: ${plan.areas.map((a) => areaDiameterM(a.cells, centre).toFixed(0)).join(', ')} m; Polsby–Popper ${plan.areas.map((a) => a.polsbyPopper.toFixed(2)).join(', ')}`,
    );
    expect(plan.areas.length).toBe(15);
    expect(plan.areaKm2).toBeLessThanOrEqual(limits.budgetKm2 * (1 + 1e-9));
    // The budget is nearly used up: no cell left can be added (maximal plan).
    expect(plan.areaKm2).toBeGreaterThan(limits.budgetKm2 - 2 * Math.max(...data.areaKm2));
    // The areas hold far more than their share of area: over 8 times (4 % of the 12 months' incidents
    // in 0.5 % of the area; 4.8 % measured), though solid areas pay for the empty cells in their hulls.
    const total = value.reduce((s, v) => s + v, 0);
    expect(plan.value / total).toBeGreaterThan(0.04);
  });

  it('comes within a measured gap of the exact MILP optimum on small real instances', async () => {
    // Small instances: the 37 cells within 3 rings of each of the five busiest cells.
    const cellIndex = new Map(data.cells.map((c, i) => [c, i]));
    const top = [...value.keys()].sort((a, b) => value[b]! - value[a]!).slice(0, 5);
    const gaps: number[] = [],
      harmOnlyGaps: number[] = [],
      seedsOnlyGaps: number[] = [],
      roundOnlyGaps: number[] = [],
      fillCost: number[] = [];
    for (const t of top) {
      const sub = gridDisk(data.cells[t]!, 3)
        .filter((c) => cellIndex.has(c))
        .sort();
      const v = Float64Array.from(sub, (c) => value[cellIndex.get(c)!]!);
      const a = Float64Array.from(sub, (c) => data.areaKm2[cellIndex.get(c)!]!);
      const nb = h3Neighbours(sub, { k: 1 });
      const c = centreLookup(sub);
      const cell = a[0]!;
      // 250 m binds: res-10 centres are about 115 m apart, so an area may span two cells but not three in a line.
      const limits = { maxAreas: 2, maxAreaKm2: 4.5 * cell, budgetKm2: 6.5 * cell, maxDiameterM: 250 };
      const greedy = greedyPatrolAreas(v, a, nb, c, limits);
      // The same rule choosing by harm per km² alone: no compactness term, seeds by their own harm.
      const harmOnly = greedyPatrolAreas(v, a, nb, c, { ...limits, compactness: 0, seedRing: 0 });
      // Which of the two gives up the harm: dense seeds alone, the roundness weight alone.
      seedsOnlyGaps.push(greedyPatrolAreas(v, a, nb, c, { ...limits, compactness: 0 }).value);
      roundOnlyGaps.push(greedyPatrolAreas(v, a, nb, c, { ...limits, seedRing: 0 }).value);
      const exact = await exactPatrolAreas(v, a, nb, c, limits);
      expect(planViolations(exact, a, nb, c, limits)).toEqual([]);
      expect(planViolations(greedy, a, nb, c, limits)).toEqual([]);
      expect(planViolations(harmOnly, a, nb, c, limits)).toEqual([]);
      expect(exact.value).toBeGreaterThanOrEqual(Math.max(greedy.value, harmOnly.value) - 1e-9);
      gaps.push(1 - greedy.value / exact.value);
      harmOnlyGaps.push(1 - harmOnly.value / exact.value);
      seedsOnlyGaps[seedsOnlyGaps.length - 1] = 1 - seedsOnlyGaps.at(-1)! / exact.value;
      roundOnlyGaps[roundOnlyGaps.length - 1] = 1 - roundOnlyGaps.at(-1)! / exact.value;
      // Filling is a restriction: the optimum without it holds at least as much.
      const unfilled = await exactPatrolAreas(v, a, nb, c, { ...limits, fillHull: false });
      expect(unfilled.value).toBeGreaterThanOrEqual(exact.value - 1e-9);
      fillCost.push(1 - exact.value / unfilled.value);
    }
    console.log(
      `greedy vs exact optimum on ${gaps.length} real instances (37 cells, 2 areas of ≤ 4 cells and ≤ 250 m across, ≤ 6 cells in all): gaps ${gaps.map((g) => `${(g * 100).toFixed(1)} %`).join(', ')}; by harm alone ${harmOnlyGaps.map((g) => `${(g * 100).toFixed(1)} %`).join(', ')}; dense seeds alone ${seedsOnlyGaps.map((g) => `${(g * 100).toFixed(1)} %`).join(', ')}; roundness alone ${roundOnlyGaps.map((g) => `${(g * 100).toFixed(1)} %`).join(', ')}; the optimum's cost of filling ${fillCost.map((g) => `${(g * 100).toFixed(1)} %`).join(', ')}`,
    );
    // By harm alone the rule is near the optimum; the compactness term and dense seeds give up harm on
    // purpose (for shape), and the gap says how much.
    expect(Math.max(...harmOnlyGaps)).toBeLessThan(0.1);
    expect(Math.max(...gaps)).toBeLessThan(0.5);
  }, 300_000);
});

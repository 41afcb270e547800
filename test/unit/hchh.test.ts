import { cellArea, cellToLatLng, greatCircleDistance, gridDisk, gridPathCells, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { describeHchhRule, hchhAreas, patrolPlanAreas, topThreshold, type CellTotal } from '../../server/domain/hchh';
import { greedyPatrolAreas } from '../../server/domain/backtest/patrolAreas';
import { cellAreasKm2 } from '../../server/domain/h3cell';
import {
  centreDistanceM,
  centreLookup,
  convexHull,
  grownHullRoundness,
  hullArea,
  hullPerimeter,
  hullsOverlap,
  insideHull,
} from '../../server/domain/hotspots/centres';

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

describe('HCHH areas by the patrol-plan rule (hand-worked on real Liverpool cells)', () => {
  const centre = latLngToCell(53.4055, -2.9798, 9);
  const ring = gridDisk(centre, 6);
  // A straight path of five cells: harm at both ends and in the middle, none in the two between.
  const end = ring.find((c) => gridPathCells(centre, c).length === 5)!;
  const path = gridPathCells(centre, end); // [p0, p1, p2, p3, p4]
  const km2 = cellArea(centre, 'km2');
  const cells = (): CellTotal[] =>
    ring.map((cell) => {
      const k = path.indexOf(cell);
      return k === 0 || k === 4 ? { cell, incidents: 10, harm: 1000 } : k === 2 ? { cell, incidents: 2, harm: 100 } : { cell, incidents: 0, harm: 0 };
    });
  const study = ring.length * km2;

  it('crosses cells without harm to join harm a street away, within the area limit', () => {
    // One area of up to five cells: p0 (the densest, opened first) grows over p1 to p2 (one bridge cell),
    // then over p3 to p4 — the whole path, 2,100 harm in 5 cells.
    // The path is 1.2 km long (four res-9 steps of about 300 m): allowed 1,500 m across.
    const plan = patrolPlanAreas(cells(), { maxAreas: 1, maxAreaKm2: 5.5 * km2, budgetShare: (5.5 * km2) / study, maxDiameterM: 1500 });
    expect(plan.areas.map((a) => a.cells)).toEqual([[...path].sort()]);
    expect(plan.areas[0]!.harm).toBe(2100);
    expect(plan.thresholds).toBeNull();
  });

  it('cuts the chain the old builder made: no area wider than maxDiameterM (800 m here)', () => {
    const step = greatCircleDistance(cellToLatLng(path[0]!), cellToLatLng(path[1]!), 'm');
    // Hand-worked: p0…p2 is two steps (about 600 m), p0…p4 four (about 1,200 m): p4 cannot join p0's area.
    expect(2 * step).toBeLessThan(800);
    expect(4 * step).toBeGreaterThan(800);
    // The ends tie on harm: the smaller cell (more harm per km²) opens first and grows to the middle.
    const p0First = cellAreasKm2([path[0]!])[0]! < cellAreasKm2([path[4]!])[0]!;
    const [first, second] = p0First ? [path[0]!, path[4]!] : [path[4]!, path[0]!];
    const near = path[p0First ? 1 : 3]!;
    const one = patrolPlanAreas(cells(), { maxAreas: 1, maxAreaKm2: 5.5 * km2, budgetShare: (5.5 * km2) / study, maxDiameterM: 800 });
    expect(one.areas.map((a) => a.cells)).toEqual([[first, near, path[2]!].sort()]);
    expect(one.areas[0]!.harm).toBe(1100);
    // With a second area allowed, the other end is an area of its own: a free cell lies between, so the two do not touch.
    const two = patrolPlanAreas(cells(), { maxAreas: 2, maxAreaKm2: 5.5 * km2, budgetShare: (5.5 * km2) / study, maxDiameterM: 800 });
    expect(two.areas.map((a) => a.cells)).toEqual([[first, near, path[2]!].sort(), [second]]);
    expect(two.areas.map((a) => a.harm)).toEqual([1100, 1000]);
    expect(() => patrolPlanAreas(cells(), { maxDiameterM: 0 })).toThrow(/maxDiameterM must be above 0 metres/);
  });

  it('opens a second area rather than bridge when the limit per area forbids the path', () => {
    // Areas of at most one cell: the two ends are areas of their own; the middle cell touches neither.
    const plan = patrolPlanAreas(cells(), { maxAreas: 3, maxAreaKm2: 1.01 * km2, budgetShare: (3.1 * km2) / study });
    // The two ends tie on harm and count: ranked by cell id; the middle cell last.
    expect(plan.areas.map((a) => a.cells)).toEqual([...[[path[0]!], [path[4]!]].sort((a, b) => a[0]!.localeCompare(b[0]!)), [path[2]!]]);
    expect(plan.areas.map((a) => a.harm)).toEqual([1000, 1000, 100]);
  });

  it('without bridges an area cannot grow past a cell without harm', () => {
    const c = cells();
    const value = c.map((x) => x.harm);
    const areas = cellAreasKm2(c.map((x) => x.cell));
    const index = new Map(c.map((x, i) => [x.cell, i]));
    const nb = (i: number) => gridDisk(c[i]!.cell, 1).flatMap((n) => (index.has(n) ? [index.get(n)!] : []));
    const limits = { maxAreas: 1, maxAreaKm2: 5.5 * km2, budgetKm2: 5.5 * km2, maxDiameterM: 1500 };
    const centre = centreLookup(c.map((x) => x.cell));
    // Seeds by their own harm: an end opens, and cannot reach the middle without a bridge.
    expect(greedyPatrolAreas(value, areas, nb, centre, { ...limits, bridgeCells: 0, seedRing: 0 }).value).toBe(1000);
    expect(greedyPatrolAreas(value, areas, nb, centre, { ...limits, bridgeCells: 1, seedRing: 0 }).value).toBe(2100);
    // Seeds by their ring of 2 (the default): the middle's ring holds both ends (2,100), an end's only
    // itself and the middle (1,100), so the middle opens; without bridges it stays alone.
    expect(greedyPatrolAreas(value, areas, nb, centre, { ...limits, bridgeCells: 0 }).value).toBe(100);
    expect(greedyPatrolAreas(value, areas, nb, centre, { ...limits, bridgeCells: 1 }).value).toBe(2100);
  });

  it('says its rule in words, with its limits', () => {
    expect(describeHchhRule('patrol-plan', {})).toMatch(
      /at most 15 areas .* solid .* at most 0\.5 km² and at most 1200 m across, together at most 0\.5 % of the study area/,
    );
    expect(describeHchhRule('merseyside', { threshold: { crimeTopPercent: 2 } })).toMatch(
      /top 2% by count and the top 1% by harm .* Merseyside Police published/,
    );
    expect(describeHchhRule('patrol-plan', { cellResolution: 11 })).toMatch(/densest harm first, kept round\), built from resolution-11 H3 cells$/);
    expect(describeHchhRule('patrol-plan', { cellResolution: 9, cellResolutionWhy: 'the finest a partner may see' })).toMatch(
      /built from resolution-9 H3 cells \(the finest a partner may see\)$/,
    );
  });

  it('checks its options', () => {
    expect(() => patrolPlanAreas(cells(), { maxAreas: 0 })).toThrow(/maxAreas must be a whole number/);
    expect(() => patrolPlanAreas(cells(), { budgetShare: 2 })).toThrow(/budgetShare must be above 0 and at most 1/);
  });
});

describe('cell areas for large study areas', () => {
  it('agree with the exact area of every cell to 0.01 % (res 9–11 around Liverpool and Leicester)', () => {
    for (const [res, lat, lng] of [
      [9, 53.4055, -2.9798],
      [10, 52.6369, -1.1398],
      [11, 53.4055, -2.9798],
      [11, 52.6369, -1.1398],
    ] as const) {
      const cells = gridDisk(latLngToCell(lat, lng, res), res === 11 ? 60 : 20);
      const fast = cellAreasKm2(cells);
      let worst = 0;
      cells.forEach((c, i) => {
        worst = Math.max(worst, Math.abs(fast[i]! / cellArea(c, 'km2') - 1));
      });
      expect(worst).toBeLessThan(1e-4);
      expect(worst).toBeGreaterThan(0); // an approximation, not the exact call under another name
    }
  });
});

describe('the patrol plan geometry', () => {
  it('measures centres as h3 does (haversine on the same sphere)', () => {
    const a = cellToLatLng(latLngToCell(53.4055, -2.9798, 11)),
      b = cellToLatLng(latLngToCell(53.4101, -2.9702, 11));
    expect(centreDistanceM(a, b)).toBeCloseTo(greatCircleDistance(a, b, 'm'), 6);
  });

  it('tells hulls that reach into each other from hulls apart (hand-drawn, metres)', () => {
    // Two chains as an X: they cross, though no point of one is a point of the other.
    expect(
      hullsOverlap(
        [
          [0, 0],
          [100, 100],
        ],
        [
          [0, 100],
          [100, 0],
        ],
      ),
    ).toBe(true);
    // A comb: a chain threaded between the ends of a U reaches into its hull.
    const u: [number, number][] = [
      [0, 0],
      [0, 200],
      [200, 200],
      [200, 0],
    ];
    expect(
      hullsOverlap(u, [
        [100, 50],
        [100, 300],
      ]),
    ).toBe(true);
    // Side by side, and in a line: apart.
    expect(
      hullsOverlap(u, [
        [250, 0],
        [250, 200],
      ]),
    ).toBe(false);
    expect(
      hullsOverlap(
        [
          [0, 0],
          [100, 0],
        ],
        [
          [150, 0],
          [300, 0],
        ],
      ),
    ).toBe(false);
    expect(hullsOverlap([[50, 50]], u)).toBe(true);
    expect(hullsOverlap([[50, 250]], u)).toBe(false);
    // Slivers: three nearly collinear centres (a micrometre off the line) and a segment further along the line.
    const sliver: [number, number][] = [
      [0, 0],
      [100, 1e-6],
      [200, 0],
    ];
    expect(
      hullsOverlap(convexHull(sliver), [
        [300, 0],
        [400, 0],
      ]),
    ).toBe(false);
  });

  it('tells points inside a hull from points outside, slivers included (hand-drawn, metres)', () => {
    const square = convexHull([
      [0, 0],
      [0, 100],
      [100, 100],
      [100, 0],
    ]);
    expect(insideHull(square, [50, 50], 1)).toBe(true);
    expect(insideHull(square, [100.5, 50], 1)).toBe(true); // within the metre's tolerance
    expect(insideHull(square, [102, 50], 1)).toBe(false);
    const sliver = convexHull([
      [0, 0],
      [100, 1e-6],
      [200, 0],
    ]);
    expect(insideHull(sliver, [150, 0], 1)).toBe(true);
    // On the sliver's line but beyond its end: outside (every edge of a sliver lies on that line).
    expect(insideHull(sliver, [300, 0], 1)).toBe(false);
    expect(insideHull(convexHull([[0, 0]]), [0.5, 0], 1)).toBe(true);
    expect(
      insideHull(
        convexHull([
          [0, 0],
          [100, 0],
        ]),
        [50, 2],
        1,
      ),
    ).toBe(false);
  });

  it("measures a grown hull's roundness by Steiner's formula", () => {
    // A point grown by r is a disc: 1. A segment of length L grown by r: 4π(2Lr + πr²)/(2L + 2πr)².
    expect(grownHullRoundness([[0, 0]], 10)).toBeCloseTo(1, 12);
    const L = 100,
      r = 10;
    expect(
      grownHullRoundness(
        [
          [0, 0],
          [L, 0],
        ],
        r,
      ),
    ).toBeCloseTo((4 * Math.PI * (2 * L * r + Math.PI * r * r)) / (2 * L + 2 * Math.PI * r) ** 2, 12);
    // A square of side s grown by r: area s² + 4sr + πr², perimeter 4s + 2πr.
    const s = 100;
    const square = convexHull([
      [0, 0],
      [0, s],
      [s, s],
      [s, 0],
    ]);
    expect(hullArea(square)).toBeCloseTo(s * s, 9);
    expect(hullPerimeter(square)).toBeCloseTo(4 * s, 9);
    expect(grownHullRoundness(square, r)).toBeCloseTo((4 * Math.PI * (s * s + 4 * s * r + Math.PI * r * r)) / (4 * s + 2 * Math.PI * r) ** 2, 12);
  });
});

describe('solid, compact patrol beats (hand-worked on real Liverpool cells, res 9)', () => {
  const c0 = latLngToCell(53.4055, -2.9798, 9);
  const ringCells = gridDisk(c0, 1).filter((c) => c !== c0);
  const study = gridDisk(c0, 6); // 127 real cells round it: every ring of 2 used below lies inside
  const index = new Map(study.map((c, i) => [c, i]));
  const areas = cellAreasKm2(study);
  const nb = (i: number) => gridDisk(study[i]!, 1).flatMap((c) => (index.has(c) ? [index.get(c)!] : []));
  const centre = centreLookup(study);
  const cell = Math.max(...areas);

  it('fills the hull: a ring of six cells with harm round an empty one is one area of seven, the hole counted', () => {
    const value = Float64Array.from(study, (c) => (ringCells.includes(c) ? 100 : 0));
    const limits = { maxAreas: 1, maxAreaKm2: 7.5 * cell, budgetKm2: 7.5 * cell, maxDiameterM: 1500 };
    const filled = greedyPatrolAreas(value, areas, nb, centre, limits);
    expect(filled.areas.map((a) => a.cells.map((i) => study[i]!).sort())).toEqual([[c0, ...ringCells].sort()]);
    expect(filled.value).toBe(600);
    // Without the fill the same harm sits in a ring with a hole: six cells, and a rougher outline
    // (6 + 6 cell edges round the outside and the hole: 4π·6a/(… ) below the filled one's 4π·7a/(18e)²).
    const ring = greedyPatrolAreas(value, areas, nb, centre, { ...limits, fillHull: false });
    expect(ring.areas[0]!.cells.map((i) => study[i]!).sort()).toEqual([...ringCells].sort());
    expect(ring.areas[0]!.polsbyPopper).toBeLessThan(filled.areas[0]!.polsbyPopper);
    // Hand-worked: 7 hexagons, 18 outer edges → 4π·7·(3√3/2)/18² = 0.706; the ring's 24 edges → 4π·6·(3√3/2)/24² = 0.340.
    expect(filled.areas[0]!.polsbyPopper).toBeCloseTo(0.706, 2);
    expect(ring.areas[0]!.polsbyPopper).toBeCloseTo(0.34, 2);
    // Budget of 6.5 cells: the hole is paid for, so one ring cell stays out (five with harm + the centre).
    const tight = greedyPatrolAreas(value, areas, nb, centre, { ...limits, maxAreaKm2: 6.5 * cell, budgetKm2: 6.5 * cell });
    expect(tight.areas[0]!.cells).toHaveLength(6);
    expect(tight.areas[0]!.cells.map((i) => study[i]!)).toContain(c0);
    expect(tight.value).toBe(500);
    const plain = greedyPatrolAreas(value, areas, nb, centre, { ...limits, maxAreaKm2: 6.5 * cell, budgetKm2: 6.5 * cell, fillHull: false });
    expect(plain.value).toBe(600);
  });

  it('prefers the rounder growth: a third cell beside the first two rather than on along the line', () => {
    // p0 (1000) with neighbour p1 (100); q carries on along the line p0–p1 (110); b touches both (100).
    const p1 = ringCells[0]!;
    const q = gridDisk(p1, 1).find((c) => c !== p1 && !gridDisk(c0, 1).includes(c) && gridPathCells(c0, c).length === 3 && gridPathCells(c0, c)[1] === p1)!;
    const b = ringCells.find((c) => gridDisk(p1, 1).includes(c) && c !== p1)!;
    const harm = new Map([
      [c0, 1000],
      [p1, 100],
      [q, 110],
      [b, 100],
    ]);
    const value = Float64Array.from(study, (c) => harm.get(c) ?? 0);
    // Hand-worked with d the centres' spacing and r = √(a/π): the hull grown by r of a line of three
    // has Polsby–Popper 4π(4dr + πr²)/(4d + 2πr)², of a triangle 4π(√3d²/4 + 3dr + πr²)/(3d + 2πr)².
    const d = centreDistanceM(cellToLatLng(c0), cellToLatLng(p1)),
      r = Math.sqrt((areas[index.get(c0)!]! * 1e6) / Math.PI);
    const line = (4 * Math.PI * (4 * d * r + Math.PI * r * r)) / (4 * d + 2 * Math.PI * r) ** 2;
    const triangle = (4 * Math.PI * ((Math.sqrt(3) / 4) * d * d + 3 * d * r + Math.PI * r * r)) / (3 * d + 2 * Math.PI * r) ** 2;
    // About 0.69 against 0.91 at resolution 9 (d ≈ 347 m, r ≈ 174 m): after p1 (two cells, 0.85),
    // 100 × 0.91 beats 110 × 0.69, so γ = 1 takes b; first it takes p1 (or b) alone, 100 × 0.85, over
    // the path p1 → q, 105 × 0.69.
    expect(line).toBeCloseTo(0.69, 2);
    expect(triangle).toBeCloseTo(0.91, 2);
    expect(
      grownHullRoundness(
        convexHull([
          [0, 0],
          [d, 0],
        ]),
        r,
      ),
    ).toBeCloseTo(0.85, 2);
    expect(100 * triangle).toBeGreaterThan(110 * line);
    // Seeds by their own harm: p0 opens (by its ring of 2 every one of the four ties on harm).
    const limits = { maxAreas: 1, maxAreaKm2: 3.05 * cell, budgetKm2: 3.05 * cell, maxDiameterM: 1500, seedRing: 0 };
    const cellsOf = (plan: ReturnType<typeof greedyPatrolAreas>) => plan.areas[0]!.cells.map((i) => study[i]!).sort();
    expect(cellsOf(greedyPatrolAreas(value, areas, nb, centre, limits))).toEqual([c0, p1, b].sort());
    // Harm per km² alone (γ = 0): the path p1 → q holds 210 in two cells, more per km² than either alone.
    expect(cellsOf(greedyPatrolAreas(value, areas, nb, centre, { ...limits, compactness: 0 }))).toEqual([c0, p1, q].sort());
  });

  it('opens beats where the neighbourhood is dense, not on the lone cell with most harm', () => {
    // A lone cell of 300 far out, and a cluster of three of 200 each: one area of one cell.
    const lone = study.find((c) => gridPathCells(c0, c).length === 5)!;
    const harm = new Map([
      [lone, 300],
      [c0, 200],
      [ringCells[0]!, 200],
      [ringCells[1]!, 200],
    ]);
    const value = Float64Array.from(study, (c) => harm.get(c) ?? 0);
    const limits = { maxAreas: 1, maxAreaKm2: 1.05 * cell, budgetKm2: 1.05 * cell, maxDiameterM: 1500 };
    // By its own harm the lone cell opens (300 > 200); by its ring of 2 (19 cells, four steps from
    // the cluster) a cluster cell's holds 600 against the lone cell's 300.
    expect(greedyPatrolAreas(value, areas, nb, centre, { ...limits, seedRing: 0 }).value).toBe(300);
    expect(greedyPatrolAreas(value, areas, nb, centre, limits).value).toBe(200);
  });

  it('checks the new options', () => {
    const value = new Float64Array(study.length);
    const limits = { maxAreas: 1, maxAreaKm2: cell, budgetKm2: cell };
    expect(() => greedyPatrolAreas(value, areas, nb, centre, { ...limits, compactness: -1 })).toThrow(/compactness must be from 0 to 10/);
    expect(() => greedyPatrolAreas(value, areas, nb, centre, { ...limits, seedRing: 1.5 })).toThrow(/seedRing must be a whole number from 0 to 5/);
  });
});

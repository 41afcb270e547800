import type { Neighbours } from '../hotspots/neighbours';
import { type CentreLookup, centreDistanceM, convexHull, grownHullRoundness, hullsOverlap, insideHull, toPlane } from '../hotspots/centres';

export interface PatrolAreaLimits {
  /** At most this many areas (default 15). */
  maxAreas: number;
  /** Each area at most this many km² (default 0.5, a patrollable beat). */
  maxAreaKm2: number;
  /** All areas together at most this many km² (default: 0.5 % of the study area). */
  budgetKm2: number;
  /**
   * A growing area may cross at most this many cells without predicted harm to reach one with harm
   * (default 2). data.police.uk moves every incident to one of a fixed set of anonymised points, so at
   * fine resolutions the cells with harm are islands a street apart; without bridges an area could not
   * grow past its first cell.
   */
  bridgeCells?: number;
  /**
   * No two cells of an area more than this many metres apart, centre to centre (default 1,200 m; see
   * DEFAULT_MAX_DIAMETER_M). In metres so that it means the same at every resolution. Without it an
   * area at resolution 11 runs as a one-cell-wide chain along a street for kilometres, hopping from snap
   * point to snap point over bridges: within its size limit, but no beat an officer can walk.
   */
  maxDiameterM?: number;
  /**
   * Fill each area's convex hull (default true): every study cell whose centre lies in it joins the
   * area, counted against both size limits — a beat without holes or bays, as a sergeant would draw it.
   */
  fillHull?: boolean;
  /** Weight of roundness in choosing growth, γ ≥ 0 (default 1, DEFAULT_COMPACTNESS; 0: harm per km² alone). */
  compactness?: number;
  /** Seeds are ranked by the harm per km² of their ring of this many cells (0–5, default 2; 0: the cell alone). */
  seedRing?: number;
}

/** The neighbours of cell i (itself may be included), for study areas too large to list every cell's neighbours up front. */
export type NeighbourLookup = (i: number) => ArrayLike<number> & Iterable<number>;

export interface PatrolAreaPlan {
  /** Each area's cell indices, most predicted harm first. */
  areas: { cells: number[]; areaKm2: number; value: number /** outlineRoundness of the cells. */; polsbyPopper: number }[];
  value: number;
  areaKm2: number;
}

export function checkLimits(l: PatrolAreaLimits): void {
  if (!Number.isInteger(l.maxAreas) || l.maxAreas < 1) throw new Error(`maxAreas must be a whole number ≥ 1; got ${l.maxAreas}`);
  if (!(l.maxAreaKm2 > 0)) throw new Error(`maxAreaKm2 must be above 0; got ${l.maxAreaKm2}`);
  if (!(l.budgetKm2 > 0)) throw new Error(`budgetKm2 must be above 0; got ${l.budgetKm2}`);
  if (l.bridgeCells !== undefined && !(Number.isInteger(l.bridgeCells) && l.bridgeCells >= 0 && l.bridgeCells <= 5))
    throw new Error(`bridgeCells must be a whole number from 0 to 5; got ${l.bridgeCells}`);
  if (l.maxDiameterM !== undefined && !(l.maxDiameterM > 0)) throw new Error(`maxDiameterM must be above 0 metres; got ${l.maxDiameterM}`);
  if (l.compactness !== undefined && !(l.compactness >= 0 && l.compactness <= 10)) throw new Error(`compactness must be from 0 to 10; got ${l.compactness}`);
  if (l.seedRing !== undefined && !(Number.isInteger(l.seedRing) && l.seedRing >= 0 && l.seedRing <= 5))
    throw new Error(`seedRing must be a whole number from 0 to 5; got ${l.seedRing}`);
}

/** Default bridge length: two cells is a street's width at resolution 11 (about 25 m edge). */
export const DEFAULT_BRIDGE_CELLS = 2;

/**
 * Default greatest distance across an area, 1,200 m, chosen by the figures (README, "Solid beats"): on
 * Merseyside 2020-10..2021-09 the solid areas hold 8.4 % of the harm at 800 m, 8.7 % at 1,000 m,
 * 9.1 % at 1,200 m and 9.1 % at 1,600 m (where the widest area is 1.4 km: the width no longer binds),
 * on Leicestershire 12.3 %, 13.2 %, 13.6 % and 14.1 %. A solid area of the default 0.5 km² that wide
 * is an oval about 1,200 × 530 m, a quarter of an hour's walk end to end at 5 km/h; 800 m is the
 * diameter of a round 0.5 km². Hot spots that patrol reduced crime in were smaller still:
 * the Minneapolis hot spots were clusters of addresses about a street block long (Sherman & Weisburd
 * 1995, Justice Quarterly 12(4)), the Philadelphia foot beats averaged 1.3 miles of streets, a few blocks
 * each way (Ratcliffe et al. 2011, Criminology 49(3); CrimeSolutions profile 234).
 */
export const DEFAULT_MAX_DIAMETER_M = 1200;

/** Default compactness exponent: a growth's harm per km² is weighed by its area's roundness after it, to this power. */
export const DEFAULT_COMPACTNESS = 1;
/** Default seed neighbourhood: a new area opens where a cell's ring of 2 (19 cells, reaching about 90 m at resolution 11) is densest. */
export const DEFAULT_SEED_RING = 2;
/** A cell whose centre lies within this many metres of an area's hull counts as inside it (H3 rows are straight only to centimetres on a plane). */
export const HULL_TOLERANCE_M = 1;

/**
 * Areas a patrol plan can use, by greedy region growing into solid, compact beats. Constraints: at
 * most `maxAreas` areas, each contiguous (H3 neighbours), each at most `maxAreaKm2` and no wider than
 * `maxDiameterM` (every two of its cell centres at most that far apart), all together at most
 * `budgetKm2`, no two areas touching (touching areas would be one beat larger than the limit) or
 * reaching into each other's convex hull of cell centres, and — with `fillHull` (default) — each area
 * solid: every cell of the study area whose centre lies in the area's hull (within HULL_TOLERANCE_M)
 * belongs to it, so an area has no holes or bays, whatever they hold, and those cells count against
 * both size limits.
 * Rule: start empty; at each step take the feasible move with the best score. A move either grows an
 * area by a path of free cells from its edge to a free cell with harm — found by breadth-first search,
 * crossing at most `bridgeCells` cells without harm — together with the cells the path's new hull
 * takes in (the fill); or opens a new area on a free cell with harm while fewer than `maxAreas` are
 * open. A growth scores its harm per km² (path and fill counted whole) × R^γ, where R is the
 * roundness the area would have after it — its hull of cell centres grown by a cell's radius
 * (grownHullRoundness: Polsby–Popper by Steiner's formula; 1 for a lone cell, about 0.9 for a round
 * beat, falling as 2π·r/L along a street L long) — and γ = `compactness` (default 1): a beat already
 * stretched along a street grows only for harm dense enough to pay for its shape. An opening scores
 * the harm per km² of the cell's ring of `seedRing` cells (default 2), so beats start in dense
 * clusters rather than on a lone snap point, and it is taken only when it beats every growth. Ties: growing before opening, shorter paths, then
 * the lower cell index. For speed, the fill is found only for an area's paths taken in order of their
 * score without fill, until the next one's is below the best found with fill (fill seldom adds harm:
 * cells with harm inside the hull are usually taken first as paths of their own). Stop when no
 * feasible move adds harm.
 * Guarantee: every constraint holds by construction and the plan is maximal: no move is left that
 * adds harm (no free cell with harm can join an area by a path within `bridgeCells` together with its
 * fill, nor open a new one). No constant approximation factor is claimed (choosing connected areas
 * under a budget is NP-hard, Hochbaum & Pathria 1994), and the compactness term trades harm for shape
 * on purpose; the gap to the exact optimum of the same constraints but the hull separation
 * (exactPatrolAreas, a MILP, which therefore bounds it from above) is measured in the tests on small
 * real instances.
 * Example, hand-worked in test/unit/hchh.test.ts: a ring of six harm cells round an empty one becomes
 * one area of seven cells (the empty centre filled in, its area counted), not a ring with a hole.
 * @param value predicted harm per cell (≥ 0); @param nb H3 neighbours of the same cells (self included);
 * @param centre the same cells' centres (centreLookup)
 * @example greedyPatrolAreas(scores, areaKm2, nb, centreLookup(cells), { maxAreas: 15, maxAreaKm2: 0.5, budgetKm2: 3.2 })
 */
export function greedyPatrolAreas(
  value: ArrayLike<number>,
  areaKm2: ArrayLike<number>,
  nb: Neighbours | NeighbourLookup,
  centre: CentreLookup,
  limits: PatrolAreaLimits,
): PatrolAreaPlan {
  checkLimits(limits);
  const n = value.length;
  if (areaKm2.length !== n || (typeof nb !== 'function' && nb.offsets.length !== n + 1))
    throw new Error(
      `value (${n}), areas (${areaKm2.length}) and neighbours (${typeof nb === 'function' ? '?' : nb.offsets.length - 1}) describe different numbers of cells`,
    );
  const ring: NeighbourLookup = typeof nb === 'function' ? nb : (i) => nb.indices.subarray(nb.offsets[i]!, nb.offsets[i + 1]!);
  const maxDepth = 1 + (limits.bridgeCells ?? DEFAULT_BRIDGE_CELLS);
  const maxDiameter = (limits.maxDiameterM ?? DEFAULT_MAX_DIAMETER_M) * (1 + 1e-9);
  const fillHull = limits.fillHull ?? true;
  const gamma = limits.compactness ?? DEFAULT_COMPACTNESS;
  const seedRing = limits.seedRing ?? DEFAULT_SEED_RING;
  const owner = new Int32Array(n).fill(-1);
  const areas: { cells: number[]; areaKm2: number; value: number }[] = [];
  // Each area's reach: the greatest distance from its first cell to any of its cells.
  const reach: number[] = [];
  let used = 0;
  const tol = 1 + 1e-9;
  const distance = (i: number, j: number) => centreDistanceM(centre(i), centre(j));
  // Apart means more than not touching: no area's outline may reach into another's. Test: the convex
  // hulls of two areas' cell centres do not overlap. Hulls on a plane around the first cell with harm.
  let lat0 = NaN;
  const planar = new Map<number, readonly [number, number]>();
  const plane = (c: number) => {
    let p = planar.get(c);
    if (!p) {
      p = toPlane(centre(c), lat0);
      planar.set(c, p);
    }
    return p;
  };
  type Hull = (readonly [number, number])[];
  const hulls: Hull[] = [];
  // The radius of a disc of a cell's area, in metres: the hull of centres grown by it approximates the area's outline.
  const radius: number[] = [];
  const hullWith = (k: number, extra: readonly number[]): Hull => convexHull([...(k >= 0 ? hulls[k]! : []), ...extra.map(plane)]);
  /** Would area k (−1: a new area) with this hull stay clear of every other area's hull? */
  const apart = (k: number, hull: Hull, from: number): boolean => {
    for (let l = 0; l < areas.length; l++) {
      if (l === k) continue;
      // Both hulls lie within the diameter of their first cells: further apart than twice that, they cannot meet.
      if (distance(from, areas[l]!.cells[0]!) > 2 * maxDiameter) continue;
      if (hullsOverlap(hull, hulls[l]!)) return false;
    }
    return true;
  };
  /**
   * May cell j join area k with the cells of the path on the way to it (`via`, ending at j's parent)?
   * Only if it is within maxDiameter of every one of them. The first cell bounds the test both ways:
   * beyond the diameter from it is too far; within (diameter − reach) of it is near enough to all.
   * The fill needs no test: it lies inside the hull, and a set is as wide as its hull.
   */
  const withinDiameter = (j: number, k: number, via: number): boolean => {
    const a = areas[k]!;
    const d0 = distance(j, a.cells[0]!);
    if (d0 > maxDiameter) return false;
    if (d0 + reach[k]! > maxDiameter) for (const c of a.cells) if (distance(j, c) > maxDiameter) return false;
    for (let c = via; depth[c]! > 0; c = parent[c]!) if (distance(j, c) > maxDiameter) return false;
    return true;
  };
  // May a free cell join area k? Not when it touches another area (it would join the two).
  const joins = (i: number, k: number): boolean => {
    for (const j of ring(i)) {
      const o = owner[j]!;
      if (o >= 0 && o !== k) return false;
    }
    return true;
  };
  // Breadth-first search state, reused: the step at which a cell was reached, its parent, and the path's sums.
  const reached = new Int32Array(n).fill(-1);
  const parent = new Int32Array(n);
  const pathValue = new Float64Array(n),
    pathArea = new Float64Array(n),
    depth = new Uint8Array(n);
  let search = 0;
  // Flood state of the fill: the pass at which a cell was looked at.
  const looked = new Int32Array(n).fill(-1);
  let pass = 0;
  /**
   * The fill of area k grown by `path` to `hull`: the cells whose centres lie in the hull, neither in
   * the area nor on the path, by a flood from both through such cells; null when one of them is taken
   * or touches another area. Every study cell in the old hull is in the area already (the area is
   * filled), so the flood finds only the new hull's extra cells.
   */
  const fillOf = (k: number, path: readonly number[], hull: Hull): { cells: number[]; value: number; area: number } | null => {
    pass++;
    const stack: number[] = [];
    for (const c of areas[k]!.cells) {
      looked[c] = pass;
      stack.push(c);
    }
    for (const c of path) {
      looked[c] = pass;
      stack.push(c);
    }
    const cells: number[] = [];
    let v = 0,
      area = 0;
    while (stack.length) {
      const c = stack.pop()!;
      for (const j of ring(c)) {
        if (looked[j] === pass) continue;
        looked[j] = pass;
        if (!insideHull(hull, plane(j), HULL_TOLERANCE_M)) continue;
        if (owner[j] !== -1 || !joins(j, k)) return null;
        cells.push(j);
        v += value[j]!;
        area += areaKm2[j]!;
        stack.push(j);
      }
    }
    return { cells, value: v, area };
  };
  interface Move {
    path: number[];
    fill: number[];
    hull: Hull;
    score: number;
    steps: number;
    end: number;
  }
  /** The best growth of area k: the best-scoring feasible path from its edge to a free cell with harm, with its fill. */
  const bestGrowth = (k: number): Move | null => {
    const a = areas[k]!;
    search++;
    let frontier: number[] = [];
    for (const c of a.cells) {
      reached[c] = search;
      depth[c] = 0;
      pathValue[c] = 0;
      pathArea[c] = 0;
      frontier.push(c);
    }
    const candidates: { end: number; density: number; steps: number }[] = [];
    for (let d = 1; d <= maxDepth && frontier.length; d++) {
      const next: number[] = [];
      for (const c of frontier) {
        for (const j of ring(c)) {
          if (reached[j] === search || owner[j] !== -1) continue;
          reached[j] = search;
          if (!joins(j, k)) continue;
          const v = pathValue[c]! + value[j]!,
            area = pathArea[c]! + areaKm2[j]!;
          if (a.areaKm2 + area > limits.maxAreaKm2 * tol || used + area > limits.budgetKm2 * tol) continue;
          if (!withinDiameter(j, k, c)) continue;
          parent[j] = c;
          depth[j] = d;
          pathValue[j] = v;
          pathArea[j] = area;
          next.push(j);
          if (!(value[j]! > 0)) continue;
          candidates.push({ end: j, density: v / area, steps: d });
        }
      }
      frontier = next;
    }
    // Each path's score without its fill: density × the roundness factor of its new hull. Keep the
    // paths: the search state is overwritten by the next search.
    const scored = candidates.map((c) => {
      const path: number[] = [];
      for (let j = c.end; depth[j]! > 0; j = parent[j]!) path.push(j);
      const hull = hullWith(k, path);
      const shape = gamma === 0 ? 1 : grownHullRoundness(hull, radius[k]!) ** gamma;
      return { ...c, path, hull, shape, score: c.density * shape, value: pathValue[c.end]!, area: pathArea[c.end]! };
    });
    scored.sort((x, y) => y.score - x.score || x.steps - y.steps || x.end - y.end);
    let best: Move | null = null;
    for (const c of scored) {
      if (best && c.score < best.score) break;
      if (!apart(k, c.hull, a.cells[0]!)) continue;
      let move: Move = { path: c.path, fill: [], hull: c.hull, score: c.score, steps: c.steps, end: c.end };
      if (fillHull) {
        const fill = fillOf(k, c.path, c.hull);
        if (!fill) continue;
        const area = c.area + fill.area;
        if (a.areaKm2 + area > limits.maxAreaKm2 * tol || used + area > limits.budgetKm2 * tol) continue;
        move = { ...move, fill: fill.cells, score: ((c.value + fill.value) / area) * c.shape };
      }
      if (!best || move.score > best.score) best = move;
      if (!fillHull) break;
    }
    return best;
  };
  // A move elsewhere only takes options away (cells, budget), so an area's best growth stays its best
  // while its path and fill are still free, joinable and affordable: recompute only when they are not.
  const stillFeasible = (k: number, areaNow: number): boolean => {
    const g = growth.get(k);
    if (!g) return g === null;
    let area = 0;
    for (const cells of [g.path, g.fill])
      for (const j of cells) {
        if (owner[j] !== -1 || !joins(j, k)) return false;
        area += areaKm2[j]!;
      }
    return areaNow + area <= limits.maxAreaKm2 * tol && used + area <= limits.budgetKm2 * tol && apart(k, g.hull, areas[k]!.cells[0]!);
  };
  const growth = new Map<number, Move | null>();
  // New areas open on the free cell whose neighbourhood (ring of seedRing) holds the most harm per km²:
  // walk a fixed order, skipping cells no longer free.
  const seedScore = new Float64Array(n);
  const withHarm = Array.from({ length: n }, (_, i) => i).filter((i) => value[i]! > 0);
  for (const i of withHarm) {
    let around = [i];
    const seen = new Set(around);
    for (let d = 0; d < seedRing; d++) {
      const next: number[] = [];
      for (const c of around)
        for (const j of ring(c))
          if (!seen.has(j)) {
            seen.add(j);
            next.push(j);
          }
      around = next;
    }
    let v = 0,
      area = 0;
    for (const c of seen) {
      v += value[c]!;
      area += areaKm2[c]!;
    }
    seedScore[i] = v / area;
  }
  const order = withHarm.sort((a, b) => seedScore[b]! - seedScore[a]! || value[b]! / areaKm2[b]! - value[a]! / areaKm2[a]! || a - b);
  let seedPointer = 0;
  if (order.length) lat0 = centre(order[0]!)[0];
  for (;;) {
    let bestArea = -1,
      best: Move | null = null;
    for (let k = 0; k < areas.length; k++) {
      if (!growth.has(k) || !stillFeasible(k, areas[k]!.areaKm2)) growth.set(k, bestGrowth(k));
      const g = growth.get(k);
      if (!g) continue;
      if (!best || g.score > best.score || (g.score === best.score && (g.steps < best.steps || (g.steps === best.steps && g.end < best.end)))) {
        bestArea = k;
        best = g;
      }
    }
    const bestScore = best?.score ?? 0;
    let open = -1;
    if (areas.length < limits.maxAreas) {
      for (let q = seedPointer; q < order.length; q++) {
        const j = order[q]!;
        if (owner[j] !== -1) {
          if (q === seedPointer) seedPointer++;
          continue;
        }
        if (seedScore[j]! <= bestScore) break;
        if (!joins(j, -1) || areaKm2[j]! > limits.maxAreaKm2 * tol || used + areaKm2[j]! > limits.budgetKm2 * tol || !apart(-1, [plane(j)], j)) continue;
        open = j;
        break;
      }
    }
    let added: number[];
    if (open !== -1) {
      areas.push({ cells: [], areaKm2: 0, value: 0 });
      reach.push(0);
      hulls.push([]);
      radius.push(Math.sqrt((areaKm2[open]! * 1e6) / Math.PI));
      bestArea = areas.length - 1;
      added = [open];
    } else if (best) {
      added = [...best.path, ...best.fill];
    } else break;
    const a = areas[bestArea]!;
    for (const j of added) {
      a.cells.push(j);
      a.areaKm2 += areaKm2[j]!;
      a.value += value[j]!;
      owner[j] = bestArea;
      used += areaKm2[j]!;
      reach[bestArea] = Math.max(reach[bestArea]!, distance(j, a.cells[0]!));
    }
    hulls[bestArea] = hullWith(bestArea, added);
    // Its hull grew: another area's kept path may now reach into it (stillFeasible tests that).
    growth.delete(bestArea);
  }
  const plan = areas.map((a) => ({ ...a, polsbyPopper: outlineRoundness(a.cells, areaKm2, ring) }));
  for (const a of plan) a.cells.sort((x, y) => value[y]! - value[x]! || x - y);
  plan.sort((x, y) => y.value - x.value);
  return { areas: plan, value: plan.reduce((s, a) => s + a.value, 0), areaKm2: used };
}

/**
 * Compactness of an area as drawn: Polsby–Popper 4πA/P² of its cells' outline (Polsby & Popper 1991,
 * Yale Law & Policy Review 9(2)), A the cells' area, P the length of the cell edges not shared with
 * another cell of the area (each cell taken as a regular hexagon of its area, edge √(2a/3√3)). 1 is a
 * circle; one hexagon is π√3/6 ≈ 0.91, a round beat of 127 cells 0.68; a straight chain of m cells tends to 0 as about 2/m. Holes
 * count their edges, so a ring scores lower than the same cells filled.
 * @example outlineRoundness([0], [0.0026], () => [0]) // ≈ 0.907, a lone hexagon
 */
export function outlineRoundness(cells: readonly number[], areaKm2: ArrayLike<number>, ring: NeighbourLookup): number {
  if (!cells.length) return 0;
  const inArea = new Set(cells);
  let area = 0,
    perimeter = 0;
  for (const c of cells) {
    let shared = 0;
    for (const j of ring(c)) if (j !== c && inArea.has(j)) shared++;
    const edge = Math.sqrt((2 * areaKm2[c]!) / (3 * Math.sqrt(3)));
    area += areaKm2[c]!;
    perimeter += (6 - shared) * edge;
  }
  return (4 * Math.PI * area) / (perimeter * perimeter);
}

/** Checks a plan against the limits: contiguity, sizes, widths, budget, count, separation and fill; returns the violations. */
export function planViolations(plan: PatrolAreaPlan, areaKm2: ArrayLike<number>, nb: Neighbours, centre: CentreLookup, limits: PatrolAreaLimits): string[] {
  const out: string[] = [];
  const tol = 1 + 1e-9;
  if (plan.areas.length > limits.maxAreas) out.push(`${plan.areas.length} areas, more than ${limits.maxAreas}`);
  const owner = new Map<number, number>();
  plan.areas.forEach((a, k) =>
    a.cells.forEach((c) => {
      if (owner.has(c)) out.push(`cell ${c} is in two areas`);
      owner.set(c, k);
    }),
  );
  let total = 0;
  plan.areas.forEach((a, k) => {
    const size = a.cells.reduce((s, c) => s + areaKm2[c]!, 0);
    total += size;
    if (size > limits.maxAreaKm2 * tol) out.push(`area ${k + 1} covers ${size.toFixed(4)} km², more than ${limits.maxAreaKm2}`);
    const diameter = areaDiameterM(a.cells, centre),
      maxDiameter = limits.maxDiameterM ?? DEFAULT_MAX_DIAMETER_M;
    if (diameter > maxDiameter * tol) out.push(`area ${k + 1} is ${diameter.toFixed(0)} m across, more than ${maxDiameter} m`);
    // Contiguity: a flood fill from the first cell reaches every cell of the area.
    const inArea = new Set(a.cells),
      seen = new Set([a.cells[0]!]),
      stack = [a.cells[0]!];
    while (stack.length) {
      const c = stack.pop()!;
      for (let p = nb.offsets[c]!; p < nb.offsets[c + 1]!; p++) {
        const j = nb.indices[p]!;
        if (inArea.has(j) && !seen.has(j)) {
          seen.add(j);
          stack.push(j);
        }
        if (owner.has(j) && owner.get(j) !== k) out.push(`area ${k + 1} touches area ${owner.get(j)! + 1}`);
      }
    }
    if (seen.size !== a.cells.length) out.push(`area ${k + 1} is not contiguous`);
  });
  const lat0 = plan.areas[0] ? centre(plan.areas[0].cells[0]!)[0] : 0;
  const hulls = plan.areas.map((a) => convexHull(a.cells.map((c) => toPlane(centre(c), lat0))));
  for (let k = 0; k < hulls.length; k++)
    for (let l = k + 1; l < hulls.length; l++)
      if (hullsOverlap(hulls[k]!, hulls[l]!)) out.push(`areas ${k + 1} and ${l + 1} reach into each other (their hulls overlap)`);
  // Filled: no cell next to an area or to its filled cells has its centre in the area's hull without being in it.
  if (limits.fillHull ?? true)
    plan.areas.forEach((a, k) => {
      const inArea = new Set(a.cells),
        seen = new Set(a.cells),
        stack = [...a.cells];
      while (stack.length) {
        const c = stack.pop()!;
        for (let p = nb.offsets[c]!; p < nb.offsets[c + 1]!; p++) {
          const j = nb.indices[p]!;
          if (seen.has(j)) continue;
          seen.add(j);
          if (!insideHull(hulls[k]!, toPlane(centre(j), lat0), HULL_TOLERANCE_M)) continue;
          if (!inArea.has(j)) out.push(`area ${k + 1} leaves cell ${j} out, though it lies in the area's hull`);
          stack.push(j);
        }
      }
    });
  if (total > limits.budgetKm2 * tol) out.push(`the areas cover ${total.toFixed(4)} km², more than the budget ${limits.budgetKm2}`);
  return out;
}

/** The greatest distance between two of the cells' centres, in metres (every pair: for checking, not building). */
export function areaDiameterM(cells: readonly number[], centre: CentreLookup): number {
  let most = 0;
  for (let p = 0; p < cells.length; p++)
    for (let q = p + 1; q < cells.length; q++) most = Math.max(most, centreDistanceM(centre(cells[p]!), centre(cells[q]!)));
  return most;
}

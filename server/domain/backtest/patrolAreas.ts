import type { Neighbours } from '../hotspots/neighbours';
import { type CentreLookup, centreDistanceM, convexHull, hullsOverlap, toPlane } from '../hotspots/centres';

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
   * No two cells of an area more than this many metres apart, centre to centre (default 800 m; see
   * DEFAULT_MAX_DIAMETER_M). In metres so that it means the same at every resolution. Without it an
   * area at resolution 11 runs as a one-cell-wide chain along a street for kilometres, hopping from snap
   * point to snap point over bridges: within its size limit, but no beat an officer can walk.
   */
  maxDiameterM?: number;
}

/** The neighbours of cell i (itself may be included), for study areas too large to list every cell's neighbours up front. */
export type NeighbourLookup = (i: number) => ArrayLike<number> & Iterable<number>;

export interface PatrolAreaPlan {
  /** Each area's cell indices, most predicted harm first. */
  areas: { cells: number[]; areaKm2: number; value: number }[];
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
}

/** Default bridge length: two cells is a street's width at resolution 11 (about 25 m edge). */
export const DEFAULT_BRIDGE_CELLS = 2;

/**
 * Default greatest distance across an area, 800 m: the diameter of a round area of 0.5 km² (the default
 * limit per area), so an area can reach its size limit only by being round, and about ten minutes'
 * walk from one side to the other at 5 km/h. Hot spots that patrol reduced crime in were smaller still:
 * the Minneapolis hot spots were clusters of addresses about a street block long (Sherman & Weisburd
 * 1995, Justice Quarterly 12(4)), the Philadelphia foot beats averaged 1.3 miles of streets, a few blocks
 * each way (Ratcliffe et al. 2011, Criminology 49(3); CrimeSolutions profile 234).
 */
export const DEFAULT_MAX_DIAMETER_M = 800;

/**
 * Areas a patrol plan can use, by greedy region growing. Constraints: at most `maxAreas` areas, each
 * contiguous (H3 neighbours), each at most `maxAreaKm2` and no wider than `maxDiameterM` (every two of
 * its cell centres at most that far apart), all together at most `budgetKm2`, and no two areas
 * touching (touching areas would be one beat larger than the limit). Rule: start empty; at each
 * step take, among every feasible move, the one adding the most predicted harm per km². A move either
 * grows an area by a path of free cells from its edge to a free cell with harm — the shortest such
 * path by breadth-first search, crossing at most `bridgeCells` cells on the way, the path's harm and
 * area counted whole — or opens a new area on a free cell while fewer than `maxAreas` are open (ties:
 * growing before opening, shorter paths, then the lower cell index); stop when no feasible move adds harm.
 * Guarantee: every constraint holds by construction and the plan is maximal (no cell with harm can be
 * added); no constant approximation factor is claimed (choosing connected areas under a budget is
 * NP-hard, Hochbaum & Pathria 1994), so the gap to the exact optimum (exactPatrolAreas, a MILP) is
 * measured in the tests on small real instances.
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
  const hulls: ([number, number] | readonly [number, number])[][] = [];
  const hullOf = (cells: Iterable<number>) => convexHull([...cells].map((c) => toPlane(centre(c), lat0)));
  /** Would area k (−1: a new area) with the extra cells stay clear of every other area's hull? */
  const apart = (k: number, extra: number[]): boolean => {
    const own = k >= 0 ? areas[k]!.cells : [];
    const hull = hullOf([...own, ...extra]);
    const from = own[0] ?? extra[0]!;
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
  /** The best growth of area k: the densest feasible path from its edge to a free cell with harm. */
  const bestGrowth = (k: number): { end: number; density: number; steps: number } | null => {
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
    // The densest path that keeps the area clear of the others' hulls (ties: shorter, then lower cell index).
    candidates.sort((x, y) => y.density - x.density || x.steps - y.steps || x.end - y.end);
    for (const best of candidates) {
      // Keep the path: the search state is overwritten by the next search.
      const path: number[] = [];
      for (let j = best.end; depth[j]! > 0; j = parent[j]!) path.push(j);
      if (!apart(k, path)) continue;
      paths.set(k, path);
      return best;
    }
    paths.delete(k);
    return null;
  };
  const paths = new Map<number, number[]>();
  // A move elsewhere only takes options away (cells, budget), so an area's best growth stays its best
  // while its path is still free, joinable and affordable: recompute only when it is not.
  const stillFeasible = (k: number, areaNow: number): boolean => {
    const path = paths.get(k);
    if (!path) return growth.get(k) === null;
    let area = 0;
    for (const j of path) {
      if (owner[j] !== -1 || !joins(j, k)) return false;
      area += areaKm2[j]!;
    }
    return areaNow + area <= limits.maxAreaKm2 * tol && used + area <= limits.budgetKm2 * tol && apart(k, path);
  };
  const growth = new Map<number, { end: number; density: number; steps: number } | null>();
  // New areas open on the free cell with the most harm per km²: walk a fixed order, skipping cells no longer free.
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => value[i]! > 0)
    .sort((a, b) => value[b]! / areaKm2[b]! - value[a]! / areaKm2[a]! || a - b);
  let seedPointer = 0;
  if (order.length) lat0 = centre(order[0]!)[0];
  for (;;) {
    let bestArea = -1,
      bestDensity = 0,
      bestSteps = 0,
      bestEnd = -1;
    areas.forEach((a, k) => {
      if (!growth.has(k) || !stillFeasible(k, a.areaKm2)) growth.set(k, bestGrowth(k));
      const g = growth.get(k);
      if (!g) return;
      if (g.density > bestDensity || (g.density === bestDensity && bestArea !== -1 && (g.steps < bestSteps || (g.steps === bestSteps && g.end < bestEnd)))) {
        bestArea = k;
        bestDensity = g.density;
        bestSteps = g.steps;
        bestEnd = g.end;
      }
    });
    let open = -1;
    if (areas.length < limits.maxAreas) {
      for (let q = seedPointer; q < order.length; q++) {
        const j = order[q]!;
        if (owner[j] !== -1) {
          if (q === seedPointer) seedPointer++;
          continue;
        }
        const d = value[j]! / areaKm2[j]!;
        if (d <= bestDensity) break;
        if (!joins(j, -1) || areaKm2[j]! > limits.maxAreaKm2 * tol || used + areaKm2[j]! > limits.budgetKm2 * tol || !apart(-1, [j])) continue;
        open = j;
        break;
      }
    }
    let added: number[];
    if (open !== -1) {
      areas.push({ cells: [], areaKm2: 0, value: 0 });
      reach.push(0);
      hulls.push([]);
      bestArea = areas.length - 1;
      added = [open];
    } else if (bestArea !== -1) {
      added = paths.get(bestArea)!;
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
    hulls[bestArea] = hullOf(a.cells);
    // Its hull grew: another area's kept path may now reach into it (stillFeasible tests that).
    growth.delete(bestArea);
  }
  for (const a of areas) a.cells.sort((x, y) => value[y]! - value[x]! || x - y);
  areas.sort((x, y) => y.value - x.value);
  return { areas, value: areas.reduce((s, a) => s + a.value, 0), areaKm2: used };
}

/** Checks a plan against the limits: contiguity, sizes, widths, budget, count and separation; returns the violations. */
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

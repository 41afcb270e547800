import type { Neighbours } from '../hotspots/neighbours';

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
}

/** Default bridge length: two cells is a street's width at resolution 11 (about 25 m edge). */
export const DEFAULT_BRIDGE_CELLS = 2;

/**
 * Areas a patrol plan can use, by greedy region growing. Constraints: at most `maxAreas` areas, each
 * contiguous (H3 neighbours), each at most `maxAreaKm2`, all together at most `budgetKm2`, and no two
 * areas touching (touching areas would be one beat larger than the limit). Rule: start empty; at each
 * step take, among every feasible move, the one adding the most predicted harm per km². A move either
 * grows an area by a path of free cells from its edge to a free cell with harm — the shortest such
 * path by breadth-first search, crossing at most `bridgeCells` cells on the way, the path's harm and
 * area counted whole — or opens a new area on a free cell while fewer than `maxAreas` are open (ties:
 * growing before opening, shorter paths, then the lower cell index); stop when no feasible move adds harm.
 * Guarantee: every constraint holds by construction and the plan is maximal (no cell with harm can be
 * added); no constant approximation factor is claimed (choosing connected areas under a budget is
 * NP-hard, Hochbaum & Pathria 1994), so the gap to the exact optimum (exactPatrolAreas, a MILP) is
 * measured in the tests on small real instances.
 * @param value predicted harm per cell (≥ 0); @param nb H3 neighbours of the same cells (self included)
 * @example greedyPatrolAreas(scores, areaKm2, nb, { maxAreas: 15, maxAreaKm2: 0.5, budgetKm2: 3.2 })
 */
export function greedyPatrolAreas(
  value: ArrayLike<number>,
  areaKm2: ArrayLike<number>,
  nb: Neighbours | NeighbourLookup,
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
  const owner = new Int32Array(n).fill(-1);
  const areas: { cells: number[]; areaKm2: number; value: number }[] = [];
  let used = 0;
  const tol = 1 + 1e-9;
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
    let best: { end: number; density: number; steps: number } | null = null;
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
          parent[j] = c;
          depth[j] = d;
          pathValue[j] = v;
          pathArea[j] = area;
          next.push(j);
          if (!(value[j]! > 0)) continue;
          const density = v / area;
          if (!best || density > best.density || (density === best.density && (d < best.steps || (d === best.steps && j < best.end))))
            best = { end: j, density, steps: d };
        }
      }
      frontier = next;
    }
    if (best) {
      // Keep the path: the search state is overwritten by the next search.
      const path: number[] = [];
      for (let j = best.end; depth[j]! > 0; j = parent[j]!) path.push(j);
      paths.set(k, path);
    } else paths.delete(k);
    return best;
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
    return areaNow + area <= limits.maxAreaKm2 * tol && used + area <= limits.budgetKm2 * tol;
  };
  const growth = new Map<number, { end: number; density: number; steps: number } | null>();
  // New areas open on the free cell with the most harm per km²: walk a fixed order, skipping cells no longer free.
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => value[i]! > 0)
    .sort((a, b) => value[b]! / areaKm2[b]! - value[a]! / areaKm2[a]! || a - b);
  let seedPointer = 0;
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
        if (!joins(j, -1) || areaKm2[j]! > limits.maxAreaKm2 * tol || used + areaKm2[j]! > limits.budgetKm2 * tol) continue;
        open = j;
        break;
      }
    }
    let added: number[];
    if (open !== -1) {
      areas.push({ cells: [], areaKm2: 0, value: 0 });
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
    }
    growth.delete(bestArea);
  }
  for (const a of areas) a.cells.sort((x, y) => value[y]! - value[x]! || x - y);
  areas.sort((x, y) => y.value - x.value);
  return { areas, value: areas.reduce((s, a) => s + a.value, 0), areaKm2: used };
}

/** Checks a plan against the limits: contiguity, sizes, budget, count and separation; returns the violations. */
export function planViolations(plan: PatrolAreaPlan, areaKm2: ArrayLike<number>, nb: Neighbours, limits: PatrolAreaLimits): string[] {
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
  if (total > limits.budgetKm2 * tol) out.push(`the areas cover ${total.toFixed(4)} km², more than the budget ${limits.budgetKm2}`);
  return out;
}

import type { Neighbours } from '../hotspots/neighbours';

export interface PatrolAreaLimits {
  /** At most this many areas (default 15). */
  maxAreas: number;
  /** Each area at most this many km² (default 0.5, a patrollable beat). */
  maxAreaKm2: number;
  /** All areas together at most this many km² (default: 0.5 % of the study area). */
  budgetKm2: number;
}

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
}

/**
 * Areas a patrol plan can use, by greedy region growing. Constraints: at most `maxAreas` areas, each
 * contiguous (H3 neighbours), each at most `maxAreaKm2`, all together at most `budgetKm2`, and no two
 * areas touching (touching areas would be one beat larger than the limit). Rule: start empty; at each
 * step take, among every feasible move — add a free cell that borders an area, or open a new area on
 * a free cell while fewer than `maxAreas` are open — the move adding the most predicted harm per km²
 * (ties: growing before opening, then the lower cell index); stop when no feasible move adds harm.
 * Guarantee: every constraint holds by construction and the plan is maximal (no cell can be added);
 * no constant approximation factor is claimed (choosing connected areas under a budget is NP-hard,
 * Hochbaum & Pathria 1994), so the gap to the exact optimum (exactPatrolAreas, a MILP) is measured in
 * the tests on small real instances.
 * @param value predicted harm per cell (≥ 0); @param nb H3 neighbours of the same cells (self included)
 * @example greedyPatrolAreas(scores, areaKm2, nb, { maxAreas: 15, maxAreaKm2: 0.5, budgetKm2: 3.2 })
 */
export function greedyPatrolAreas(value: ArrayLike<number>, areaKm2: ArrayLike<number>, nb: Neighbours, limits: PatrolAreaLimits): PatrolAreaPlan {
  checkLimits(limits);
  const n = value.length;
  if (areaKm2.length !== n || nb.offsets.length !== n + 1)
    throw new Error(`value (${n}), areas (${areaKm2.length}) and neighbours (${nb.offsets.length - 1}) describe different numbers of cells`);
  const owner = new Int32Array(n).fill(-1);
  const areas: { cells: number[]; areaKm2: number; value: number }[] = [];
  let used = 0;
  const tol = 1 + 1e-9;
  // The areas a free cell touches (other than its own); a cell touching two areas would join them.
  const touching = (i: number): Set<number> => {
    const s = new Set<number>();
    for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
      const o = owner[nb.indices[p]!]!;
      if (o >= 0) s.add(o);
    }
    return s;
  };
  // New areas open on the free cell with the most harm per km²: walk a fixed order, skipping cells no longer free.
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => value[i]! > 0)
    .sort((a, b) => value[b]! / areaKm2[b]! - value[a]! / areaKm2[a]! || a - b);
  let seedPointer = 0;
  for (;;) {
    let best = -1,
      bestArea = -1,
      bestDensity = 0;
    // Growth moves: free cells bordering exactly one area.
    areas.forEach((a, k) => {
      for (const c of a.cells) {
        for (let p = nb.offsets[c]!; p < nb.offsets[c + 1]!; p++) {
          const j = nb.indices[p]!;
          if (owner[j] !== -1 || !(value[j]! > 0)) continue;
          const d = value[j]! / areaKm2[j]!;
          if (d < bestDensity || (d === bestDensity && best !== -1 && j >= best)) continue;
          if (a.areaKm2 + areaKm2[j]! > limits.maxAreaKm2 * tol || used + areaKm2[j]! > limits.budgetKm2 * tol) continue;
          if (touching(j).size > 1) continue;
          best = j;
          bestArea = k;
          bestDensity = d;
        }
      }
    });
    // Opening move: the densest free cell touching no area.
    if (areas.length < limits.maxAreas) {
      for (let q = seedPointer; q < order.length; q++) {
        const j = order[q]!;
        if (owner[j] !== -1) {
          if (q === seedPointer) seedPointer++;
          continue;
        }
        const d = value[j]! / areaKm2[j]!;
        if (d <= bestDensity) break;
        if (touching(j).size > 0 || areaKm2[j]! > limits.maxAreaKm2 * tol || used + areaKm2[j]! > limits.budgetKm2 * tol) continue;
        best = j;
        bestArea = -1;
        bestDensity = d;
        break;
      }
    }
    if (best === -1) break;
    if (bestArea === -1) {
      areas.push({ cells: [], areaKm2: 0, value: 0 });
      bestArea = areas.length - 1;
    }
    const a = areas[bestArea]!;
    a.cells.push(best);
    a.areaKm2 += areaKm2[best]!;
    a.value += value[best]!;
    owner[best] = bestArea;
    used += areaKm2[best]!;
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

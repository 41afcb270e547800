import loadHighs from 'highs';
import { type CentreLookup, centreDistanceM, convexHull, insideHull, toPlane } from '../hotspots/centres';
import type { Neighbours } from '../hotspots/neighbours';
import { checkLimits, DEFAULT_MAX_DIAMETER_M, HULL_TOLERANCE_M, outlineRoundness, type PatrolAreaLimits, type PatrolAreaPlan } from './patrolAreas';

/** Largest instance the exact solver accepts: the model grows with cells × areas and solves in seconds up to here. */
export const MAX_EXACT_CELLS = 80;

/**
 * The exact optimum of the patrol-area problem (greedyPatrolAreas's constraints) as a mixed-integer
 * linear programme solved by HiGHS (Huangfu & Hall 2018; the `highs` WebAssembly build), for small
 * instances only — to measure the greedy's gap. Formulation, for areas k = 1…K and cells i:
 *   maximise Σ vᵢ xᵢₖ
 *   Σₖ xᵢₖ ≤ 1;  Σᵢ aᵢ xᵢₖ ≤ S;  Σᵢₖ aᵢ xᵢₖ ≤ B;  Σᵢ rᵢₖ ≤ 1;  rᵢₖ ≤ xᵢₖ   (x: cell in area, r: its root)
 *   contiguity by single-commodity flow (Shirabe 2005): the root emits up to M units, every cell of
 *   the area absorbs one, flow runs only between cells of the area along H3 edges:
 *   Σⱼ fⱼᵢₖ − Σⱼ fᵢⱼₖ ≥ xᵢₖ − M rᵢₖ,  fᵢⱼₖ ≤ (M − 1) xᵢₖ,  fᵢⱼₖ ≤ (M − 1) xⱼₖ
 *   separation: xᵢₖ + Σ_{l≠k} xⱼₗ ≤ 1 for every edge (i, j)
 *   width: xᵢₖ + xⱼₖ ≤ 1 for every pair of cells whose centres are more than maxDiameterM apart
 *   fill (with fillHull): xᵢₖ + xⱼₖ − x_cₖ ≤ 1 for every cell c on the segment between two cells, and
 *   xᵢₖ + xⱼₖ + xₗₖ − x_cₖ ≤ 2 for every cell c in the triangle of three (within HULL_TOLERANCE_M):
 *   a hull is the union of the triangles of its points (Carathéodory), so these say exactly that
 *   every cell in an area's hull is in the area; only pairs and triples within the width are listed
 * with M the most cells an area can hold. Areas are interchangeable, so the optimum is one of several.
 * Not in the model: the greedy's hull separation and its compactness term, so the optimum is an upper
 * bound on what the greedy's rule could reach.
 * @example await exactPatrolAreas(values, areas, nb, centreLookup(cells), { maxAreas: 2, maxAreaKm2: 0.1, budgetKm2: 0.15 })
 */
export async function exactPatrolAreas(
  value: ArrayLike<number>,
  areaKm2: ArrayLike<number>,
  nb: Neighbours,
  centre: CentreLookup,
  limits: PatrolAreaLimits,
): Promise<PatrolAreaPlan & { status: string }> {
  checkLimits(limits);
  const n = value.length;
  if (n > MAX_EXACT_CELLS) throw new Error(`the exact solver is for small instances of at most ${MAX_EXACT_CELLS} cells; got ${n}`);
  const K = limits.maxAreas;
  let minArea = Infinity;
  for (let i = 0; i < n; i++) minArea = Math.min(minArea, areaKm2[i]!);
  const M = Math.max(1, Math.min(n, Math.floor((limits.maxAreaKm2 * (1 + 1e-9)) / minArea)));
  const x = (i: number, k: number) => `x_${i}_${k}`,
    r = (i: number, k: number) => `r_${i}_${k}`,
    f = (i: number, j: number, k: number) => `f_${i}_${j}_${k}`;
  const edges: [number, number][] = [];
  for (let i = 0; i < n; i++)
    for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
      const j = nb.indices[p]!;
      if (j !== i) edges.push([i, j]);
    }
  const lines: string[] = [];
  const terms = (ts: string[]) => (ts.length ? ts.join(' + ') : '0 x_0_0');
  const obj: string[] = [];
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) if (value[i]! !== 0) obj.push(`${value[i]} ${x(i, k)}`);
  lines.push('Maximize', ` obj: ${terms(obj)}`, 'Subject To');
  let c = 0;
  const row = (s: string) => lines.push(` c${c++}: ${s}`);
  for (let i = 0; i < n; i++) row(`${terms(Array.from({ length: K }, (_, k) => x(i, k)))} <= 1`);
  const all: string[] = [];
  for (let k = 0; k < K; k++) {
    const size = Array.from({ length: n }, (_, i) => `${areaKm2[i]} ${x(i, k)}`);
    all.push(...size);
    row(`${size.join(' + ')} <= ${limits.maxAreaKm2 * (1 + 1e-9)}`);
    row(`${Array.from({ length: n }, (_, i) => r(i, k)).join(' + ')} <= 1`);
    for (let i = 0; i < n; i++) {
      row(`${r(i, k)} - ${x(i, k)} <= 0`);
      const inflow = edges.filter(([, j]) => j === i).map(([a]) => `+ ${f(a, i, k)}`);
      const outflow = edges.filter(([a]) => a === i).map(([, j]) => `- ${f(i, j, k)}`);
      row(`${[...inflow, ...outflow, `- ${x(i, k)}`, `+ ${M} ${r(i, k)}`].join(' ')} >= 0`);
    }
    for (const [i, j] of edges) {
      row(`${f(i, j, k)} - ${M - 1} ${x(i, k)} <= 0`);
      row(`${f(i, j, k)} - ${M - 1} ${x(j, k)} <= 0`);
      if (K > 1)
        row(
          `${x(i, k)} + ${Array.from({ length: K }, (_, l) => l)
            .filter((l) => l !== k)
            .map((l) => x(j, l))
            .join(' + ')} <= 1`,
        );
    }
  }
  const maxDiameter = (limits.maxDiameterM ?? DEFAULT_MAX_DIAMETER_M) * (1 + 1e-9);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) if (centreDistanceM(centre(i), centre(j)) > maxDiameter) for (let k = 0; k < K; k++) row(`${x(i, k)} + ${x(j, k)} <= 1`);
  if (limits.fillHull ?? true) {
    const lat0 = centre(0)[0];
    const xy = Array.from({ length: n }, (_, i) => toPlane(centre(i), lat0));
    const near = (i: number, j: number) => centreDistanceM(centre(i), centre(j)) <= maxDiameter;
    const inside = (pts: number[]) => {
      const hull = convexHull(pts.map((i) => xy[i]!));
      const out: number[] = [];
      for (let c = 0; c < n; c++) if (!pts.includes(c) && insideHull(hull, xy[c]!, HULL_TOLERANCE_M)) out.push(c);
      return out;
    };
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        if (!near(i, j)) continue;
        for (const c of inside([i, j])) for (let k = 0; k < K; k++) row(`${x(i, k)} + ${x(j, k)} - ${x(c, k)} <= 1`);
        for (let l = j + 1; l < n; l++) {
          if (!near(i, l) || !near(j, l)) continue;
          for (const c of inside([i, j, l])) for (let k = 0; k < K; k++) row(`${x(i, k)} + ${x(j, k)} + ${x(l, k)} - ${x(c, k)} <= 2`);
        }
      }
  }
  row(`${all.join(' + ')} <= ${limits.budgetKm2 * (1 + 1e-9)}`);
  lines.push('Bounds');
  for (let k = 0; k < K; k++) for (const [i, j] of edges) lines.push(` 0 <= ${f(i, j, k)} <= ${M}`);
  lines.push('Binary');
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) lines.push(` ${x(i, k)} ${r(i, k)}`);
  lines.push('End');
  const highs = await loadHighs();
  const sol = highs.solve(lines.join('\n'), { mip_rel_gap: 0, time_limit: 120, output_flag: false } as never);
  if (sol.Status !== 'Optimal') throw new Error(`the MILP solver stopped with status "${sol.Status}" instead of an optimum`);
  const areas: PatrolAreaPlan['areas'] = [];
  for (let k = 0; k < K; k++) {
    const cells: number[] = [];
    for (let i = 0; i < n; i++) if ((sol.Columns[x(i, k)]?.Primal ?? 0) > 0.5) cells.push(i);
    if (!cells.length) continue;
    cells.sort((a, b) => value[b]! - value[a]! || a - b);
    areas.push({
      cells,
      areaKm2: cells.reduce((s, i) => s + areaKm2[i]!, 0),
      value: cells.reduce((s, i) => s + value[i]!, 0),
      polsbyPopper: outlineRoundness(cells, areaKm2, (i) => nb.indices.subarray(nb.offsets[i]!, nb.offsets[i + 1]!)),
    });
  }
  areas.sort((a, b) => b.value - a.value);
  return { areas, value: areas.reduce((s, a) => s + a.value, 0), areaKm2: areas.reduce((s, a) => s + a.areaKm2, 0), status: sol.Status };
}

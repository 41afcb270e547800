import type { Neighbours } from './neighbours';
import { InsufficientDataError } from '../errors';

export interface SpaceTimeOptions {
  /**
   * Neighbourhood time step N (ArcGIS "Neighborhood Time Step", default 1): a bin's neighbourhood is its
   * spatial neighbours (itself included) at its own step and the N steps before it. The window looks
   * back only. 0 gives a purely spatial Gi* per step.
   */
  timeStep?: number;
  /**
   * Where the mean and variance come from (ArcGIS "Define Global Window"): 'cube' (default, ArcGIS's
   * ENTIRE_CUBE) compares each bin with the whole cube; 'time-step' with the bins of its own step, as
   * a separate Hot Spot Analysis of each step would.
   */
  globalWindow?: 'cube' | 'time-step';
}

/**
 * Gi* for every bin of a space-time cube (cells × time steps), with the space-time neighbourhood of
 * ArcGIS's Emerging Hot Spot Analysis. `values` holds step t of cell i at t·cells + i, empty bins as 0.
 * The formula is the same as for gistar(), with n the number of bins in the global window.
 * @example spaceTimeGistar(counts, cells.length, months.length, h3Neighbours(cells), { timeStep: 1 })
 */
export function spaceTimeGistar(values: Float64Array, cells: number, steps: number, nb: Neighbours, opts: SpaceTimeOptions = {}): Float64Array {
  const N = opts.timeStep ?? 1;
  const windowKind = opts.globalWindow ?? 'cube';
  if (!Number.isInteger(N) || N < 0 || N > 10) throw new Error(`timeStep must be a whole number from 0 to 10; got ${N}`);
  if (windowKind !== 'cube' && windowKind !== 'time-step') throw new Error(`globalWindow must be "cube" or "time-step"; got "${String(windowKind)}"`);
  if (values.length !== cells * steps) throw new Error(`the cube has ${values.length} values but ${cells} cells × ${steps} steps = ${cells * steps}`);
  if (nb.offsets.length !== cells + 1) throw new Error(`the neighbours describe ${nb.offsets.length - 1} cells but the cube has ${cells}`);
  if (cells < 3) throw new InsufficientDataError(`Gi* needs at least 3 cells; got ${cells}`);

  const stats = (from: number, to: number) => {
    let sum = 0;
    for (let k = from; k < to; k++) sum += values[k]!;
    const mean = sum / (to - from);
    let ss = 0;
    for (let k = from; k < to; k++) {
      const d = values[k]! - mean;
      ss += d * d;
    }
    return { mean, s: Math.sqrt(ss / (to - from)), n: to - from };
  };
  const cube = windowKind === 'cube' ? stats(0, values.length) : null;
  if (cube && cube.s === 0) throw new InsufficientDataError('every bin of the cube has the same value, so Gi* is undefined');
  const z = new Float64Array(values.length);
  // Wᵢ and S1ᵢ depend only on the cell and on how many steps its window holds (1 … N + 1): summed once
  // per cell and window length, in the order the per-bin sum took, so each bin's z is unchanged.
  const W = new Float64Array((N + 1) * cells),
    S1 = new Float64Array((N + 1) * cells);
  for (let copies = 1; copies <= Math.min(N + 1, steps); copies++)
    for (let i = 0; i < cells; i++) {
      let wi = 0,
        s1 = 0;
      for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
        const w = nb.weights[p]!;
        wi += w * copies;
        s1 += w * w * copies;
      }
      W[(copies - 1) * cells + i] = wi;
      S1[(copies - 1) * cells + i] = s1;
    }
  const { offsets, indices, weights } = nb;
  for (let t = 0; t < steps; t++) {
    const g = cube ?? stats(t * cells, (t + 1) * cells);
    if (g.s === 0) continue; // a step with no variation: every bin of it stays at z = 0
    const { mean, s: sd, n: bins } = g;
    const first = Math.max(0, t - N);
    const row = (t - first) * cells;
    const out = t * cells;
    for (let i = 0; i < cells; i++) {
      let lag = 0;
      for (let p = offsets[i]!, end = offsets[i + 1]!; p < end; p++) {
        const w = weights[p]!;
        const j = indices[p]!;
        for (let k = first * cells + j; k <= out + j; k += cells) lag += w * values[k]!;
      }
      const wi = W[row + i]!;
      const denom = sd * Math.sqrt((bins * S1[row + i]! - wi * wi) / (bins - 1));
      z[out + i] = denom > 0 ? (lag - mean * wi) / denom : 0;
    }
  }
  return z;
}

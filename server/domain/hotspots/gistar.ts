import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { Neighbours } from './neighbours';
import { InsufficientDataError } from '../errors';

/**
 * Getis-Ord Gi* z-scores (Getis & Ord 1992; Ord & Getis 1995), each cell's neighbourhood including
 * itself, exactly as R's spdep::localG computes it for self-included weights:
 *   Gi* = (Σⱼ wᵢⱼxⱼ − x̄·Wᵢ) / (s · √((n·S1ᵢ − Wᵢ²)/(n − 1)))
 * with x̄ the mean over all n cells, s² = Σ(x − x̄)²/n, Wᵢ = Σⱼ wᵢⱼ and S1ᵢ = Σⱼ wᵢⱼ². Gi* is itself
 * a z-score. Empty cells must be in `values` as zeros: without them the mean and variance are wrong.
 * @example gistar(Float64Array.from(counts), h3Neighbours(cells)) // one z per cell
 */
export function gistar(values: ArrayLike<number>, nb: Neighbours): Float64Array {
  const n = values.length;
  if (nb.offsets.length !== n + 1) throw new Error(`the neighbours describe ${nb.offsets.length - 1} cells but there are ${n} values`);
  if (n < 3) throw new InsufficientDataError(`Gi* needs at least 3 cells; got ${n}`);
  let sum = 0,
    sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new Error(`value ${i} is not a finite number (${v}); give empty cells as 0`);
    sum += v;
  }
  const mean = sum / n;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    sumSq += d * d;
  }
  const s = Math.sqrt(sumSq / n);
  if (s === 0) throw new InsufficientDataError('every cell has the same value, so Gi* is undefined (no variation to test)');
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let lag = 0,
      wi = 0,
      s1 = 0;
    for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
      const w = nb.weights[p]!;
      lag += w * values[nb.indices[p]!]!;
      wi += w;
      s1 += w * w;
    }
    const denom = s * Math.sqrt((n * s1 - wi * wi) / (n - 1));
    z[i] = denom > 0 ? (lag - mean * wi) / denom : 0;
  }
  return z;
}

/** Two-sided normal p-value of a z-score: 2·Φ(−|z|). */
export function twoSidedP(z: number): number {
  return 2 * normalCdf(-Math.abs(z), 0, 1);
}

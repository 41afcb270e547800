import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { InsufficientDataError } from '../errors';

export interface MannKendall {
  n: number;
  /** S = Σ_{k<j} sign(x_j − x_k). */
  s: number;
  /** Var(S) with the tie correction. */
  varS: number;
  /** z with continuity correction: (S − 1)/√Var for S > 0, (S + 1)/√Var for S < 0, 0 for S = 0. */
  z: number;
  /** Two-sided p of z (with continuity correction). */
  p: number;
  /** Two-sided p without continuity correction (as scipy.stats.kendalltau's asymptotic method). */
  pUncorrected: number;
  /** Kendall's tau-b (ties in the series corrected; the time index has none). */
  tauB: number;
  /** Kendall's tau-a, S / (n(n − 1)/2). */
  tauA: number;
  trend: 'increasing' | 'decreasing' | 'no trend';
}

/**
 * S, Σ t_g(t_g−1)(2t_g+5) and Σ t_g(t_g−1)/2 over the tie groups of the series at offset + k·stride
 * (k < n), in O(n log n): a bottom-up merge sort counts the discordant pairs D (k < j, x_k > x_j) and
 * leaves the values sorted, so the tie groups are its runs; with P = n(n−1)/2 pairs and T tied pairs,
 * S = P − T − 2D (Knight 1966, "A computer method for calculating Kendall's tau with ungrouped data").
 * All three are whole numbers, exactly those of the pairwise sum. `a` and `b` hold n values each and
 * are overwritten; `out` receives [S, tie term, tied pairs], so a caller over many series allocates nothing.
 */
export function mannKendallCounts(
  series: ArrayLike<number>,
  offset: number,
  stride: number,
  n: number,
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
): void {
  for (let k = 0; k < n; k++) a[k] = series[offset + k * stride]!;
  let from = a,
    to = b,
    discordant = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n),
        hi = Math.min(lo + 2 * width, n);
      let i = lo,
        j = mid,
        k = lo;
      while (i < mid && j < hi) {
        if (from[i]! <= from[j]!) to[k++] = from[i++]!;
        else {
          discordant += mid - i; // every value left in the earlier half is greater and earlier
          to[k++] = from[j++]!;
        }
      }
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
    }
    const swap = from;
    from = to;
    to = swap;
  }
  let tieTerm = 0,
    tiePairs = 0;
  for (let k = 0; k < n; ) {
    let e = k + 1;
    while (e < n && from[e] === from[k]) e++;
    const t = e - k;
    tieTerm += t * (t - 1) * (2 * t + 5);
    tiePairs += (t * (t - 1)) / 2;
    k = e;
  }
  out[0] = (n * (n - 1)) / 2 - tiePairs - 2 * discordant;
  out[1] = tieTerm;
  out[2] = tiePairs;
}

/**
 * Mann-Kendall trend test (Mann 1945; Kendall 1975) on a series in time order:
 *   S = Σ_{k<j} sign(x_j − x_k);  Var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18
 * over tie groups of size t_g; z with continuity correction and a two-sided normal p-value. This is
 * what R's Kendall::MannKendall and Python's pymannkendall report (they differ only in tau: Kendall
 * gives tau-b, pymannkendall tau-a; both are returned). A constant series has Var(S) = 0: z = 0, p = 1.
 * @example mannKendall([1, 3, 2, 5, 4, 6, 8, 7]) // S = 22, Var = 65.33, p ≈ 0.00937, tau-b ≈ 0.786
 */
export function mannKendall(series: ArrayLike<number>, alpha = 0.05): MannKendall {
  const n = series.length;
  if (n < 3) throw new InsufficientDataError(`the Mann-Kendall test needs at least 3 values in the series; got ${n}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(series[i]!)) throw new Error(`value ${i} of the series is not a finite number`);
  const counts = new Float64Array(3);
  mannKendallCounts(series, 0, 1, n, new Float64Array(n), new Float64Array(n), counts);
  const s = counts[0]!,
    tieTerm = counts[1]!,
    tiePairs = counts[2]!;
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const pairs = (n * (n - 1)) / 2;
  const z = varS > 0 ? (s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0) : 0;
  const zRaw = varS > 0 ? s / Math.sqrt(varS) : 0;
  const p = 2 * normalCdf(-Math.abs(z), 0, 1);
  const tauDenominator = Math.sqrt(pairs * (pairs - tiePairs));
  return {
    n,
    s,
    varS,
    z,
    p,
    pUncorrected: 2 * normalCdf(-Math.abs(zRaw), 0, 1),
    tauB: tauDenominator > 0 ? s / tauDenominator : 0,
    tauA: s / pairs,
    trend: p < alpha ? (s > 0 ? 'increasing' : 'decreasing') : 'no trend',
  };
}

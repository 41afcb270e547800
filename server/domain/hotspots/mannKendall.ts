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
  let s = 0;
  for (let k = 0; k < n - 1; k++) {
    const xk = series[k]!;
    for (let j = k + 1; j < n; j++) {
      const d = series[j]! - xk;
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
    }
  }
  const groups = new Map<number, number>();
  for (let i = 0; i < n; i++) groups.set(series[i]!, (groups.get(series[i]!) ?? 0) + 1);
  let tieTerm = 0,
    tiePairs = 0;
  for (const t of groups.values()) {
    tieTerm += t * (t - 1) * (2 * t + 5);
    tiePairs += (t * (t - 1)) / 2;
  }
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

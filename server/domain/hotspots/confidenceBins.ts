import { twoSidedP } from './gistar';

/** Confidence levels of the Gi_Bin convention: ±3 at 99 %, ±2 at 95 %, ±1 at 90 %. */
const LEVELS = [
  { bin: 3, alpha: 0.01 },
  { bin: 2, alpha: 0.05 },
  { bin: 1, alpha: 0.1 },
] as const;

/**
 * Gi_Bin −3…+3 for each z-score: the sign of z times the highest confidence level at which the cell
 * is significant; 0 when not significant at 90 %.
 *
 * With `fdr` (the default, as ArcGIS's "Apply False Discovery Rate correction"), each level's
 * threshold is the Benjamini–Hochberg step-up cut-off over all cells (Benjamini & Hochberg 1995):
 * with the m p-values sorted ascending, kα = max{ i : p₍ᵢ₎ ≤ i·α/m } and a cell is significant at α
 * when its p ≤ p₍kα₎. ArcGIS computes its FDR bins this way per level (Esri Stats.py `fdrTransform`);
 * harmgrid's reading of that step is documented in the README. z-scores and p-values stay uncorrected.
 * @example confidenceBins([3.1, -2.0, 0.4], { fdr: false }) // Int8Array [3, -2, 0]
 */
export function confidenceBins(z: ArrayLike<number>, opts: { fdr?: boolean } = {}): { bins: Int8Array; p: Float64Array; thresholds: Record<string, number> } {
  const m = z.length;
  const p = new Float64Array(m);
  for (let i = 0; i < m; i++) p[i] = twoSidedP(z[i]!);
  const thresholds: Record<string, number> = {};
  for (const { alpha } of LEVELS) thresholds[String(alpha)] = alpha;
  if (opts.fdr ?? true) {
    const sorted = Float64Array.from(p).sort();
    for (const { alpha } of LEVELS) {
      let cut = -1; // no cell significant
      for (let i = m - 1; i >= 0; i--) {
        if (sorted[i]! <= ((i + 1) * alpha) / m) {
          cut = sorted[i]!;
          break;
        }
      }
      thresholds[String(alpha)] = cut;
    }
  }
  // The cut-offs as numbers, most confident first: the loop below runs once per cell and time step.
  const fdr = opts.fdr ?? true;
  const cuts = LEVELS.map(({ alpha }) => thresholds[String(alpha)]!);
  const bins = new Int8Array(m);
  for (let i = 0; i < m; i++) {
    const pi = p[i]!;
    for (let l = 0; l < LEVELS.length; l++) {
      if (fdr ? pi <= cuts[l]! : pi < cuts[l]!) {
        bins[i] = (z[i]! > 0 ? 1 : -1) * LEVELS[l]!.bin;
        break;
      }
    }
  }
  return { bins, p, thresholds };
}

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
    for (const { alpha } of LEVELS) thresholds[String(alpha)] = stepUpCut(sorted, sorted.length, m, alpha);
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

/**
 * The Benjamini–Hochberg cut-off p₍kα₎ of confidenceBins, −1 when no p qualifies: `sorted` holds the
 * smallest `count` of the m p-values in ascending order (all m, or at least every p ≤ α: a larger p can
 * never satisfy p₍ᵢ₎ ≤ i·α/m ≤ α, so leaving it out changes no cut-off).
 */
function stepUpCut(sorted: Float64Array, count: number, m: number, alpha: number): number {
  for (let i = count - 1; i >= 0; i--) if (sorted[i]! <= ((i + 1) * alpha) / m) return sorted[i]!;
  return -1;
}

/**
 * |z| below which a two-sided p is surely above alpha (p(1.6) ≈ 0.110, p(1.9) ≈ 0.057, p(2.5) ≈ 0.012),
 * so its p need not be computed: such a bin is significant at no level up to alpha.
 */
const SURELY_ABOVE = { 0.1: 1.6, 0.05: 1.9, 0.01: 2.5 } as const;

/**
 * For every bin of a cube (step t of cell i at t·cells + i): +1 when confidenceBins of its step gives it
 * a hot bin of at least `level` (1 = 90 %, 2 = 95 %, 3 = 99 %), −1 for such a cold bin, else 0 — each
 * step binned on its own, with FDR over its cells when `fdr`. The same bins as confidenceBins step by
 * step; only the p-values that can be significant are computed and sorted.
 */
export function significantBins(z: Float64Array, cells: number, steps: number, opts: { fdr?: boolean; level: number }): Int8Array {
  if (z.length !== cells * steps) throw new Error(`the cube has ${z.length} z-scores but ${cells} cells × ${steps} steps = ${cells * steps}`);
  if (!(opts.level === 1 || opts.level === 2 || opts.level === 3)) throw new Error(`level must be 1, 2 or 3 (the Gi_Bin confidence levels); got ${opts.level}`);
  const fdr = opts.fdr ?? true;
  // Only levels at least as confident as `level` decide; the least confident of them bounds the p that matters.
  const levels = LEVELS.filter((l) => l.bin >= opts.level);
  const widest = levels[levels.length - 1]!.alpha;
  const skip = SURELY_ABOVE[widest];
  const sig = new Int8Array(cells * steps);
  const candidate = new Int32Array(cells),
    candidateP = new Float64Array(cells),
    sorted = new Float64Array(cells),
    cuts = new Float64Array(levels.length);
  for (let t = 0; t < steps; t++) {
    const base = t * cells;
    let count = 0;
    for (let i = 0; i < cells; i++) {
      const zi = z[base + i]!;
      if (Math.abs(zi) < skip) continue;
      candidate[count] = i;
      candidateP[count++] = twoSidedP(zi);
    }
    for (let l = 0; l < levels.length; l++) cuts[l] = levels[l]!.alpha;
    if (fdr && count > 0) {
      sorted.set(candidateP.subarray(0, count));
      const part = sorted.subarray(0, count).sort();
      for (let l = 0; l < levels.length; l++) cuts[l] = stepUpCut(part, count, cells, levels[l]!.alpha);
    }
    for (let c = 0; c < count; c++) {
      const pc = candidateP[c]!;
      for (let l = 0; l < levels.length; l++) {
        if (fdr ? pc <= cuts[l]! : pc < cuts[l]!) {
          sig[base + candidate[c]!] = z[base + candidate[c]!]! > 0 ? 1 : -1;
          break;
        }
      }
    }
  }
  return sig;
}

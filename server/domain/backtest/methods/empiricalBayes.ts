import type { Neighbours } from '../../hotspots/neighbours';
import type { SelectionMethod } from '../method';

/**
 * Local (spatial) empirical-Bayes rates, Marshall 1991 ("Mapping disease and mortality rates using
 * empirical Bayes estimators", JRSS C 40): each cell's rate xᵢ = rᵢ/nᵢ is shrunk towards the rate of
 * its neighbourhood Nᵢ (the cell and its neighbours):
 *   mᵢ = Σⱼ rⱼ / Σⱼ nⱼ,  Cᵢ = Σⱼ nⱼ (xⱼ − mᵢ)²,  aᵢ = max(0, Cᵢ/Σⱼ nⱼ − mᵢ/n̄ᵢ),
 *   θᵢ = mᵢ + (xᵢ − mᵢ) · aᵢ / (aᵢ + mᵢ/nᵢ)   (θᵢ = mᵢ when aᵢ + mᵢ/nᵢ = 0),
 * with n̄ᵢ the mean exposure over Nᵢ: spdep::EBlocal(ri, ni, nb, geoda = TRUE).
 * @param cases rᵢ per cell; @param exposure nᵢ > 0 per cell
 * @example localEbRates([2, 10, 3], [100, 200, 150], nbOf([[0, 1], [0, 1, 2], [1, 2]]))
 */
export function localEbRates(cases: ArrayLike<number>, exposure: ArrayLike<number>, nb: Neighbours): Float64Array {
  const n = cases.length;
  if (exposure.length !== n || nb.offsets.length !== n + 1)
    throw new Error(`cases (${n}), exposure (${exposure.length}) and neighbours (${nb.offsets.length - 1}) describe different numbers of cells`);
  for (let i = 0; i < n; i++) {
    if (!(exposure[i]! > 0)) throw new Error(`exposure of cell ${i} must be above 0; got ${exposure[i]}`);
    if (!(cases[i]! >= 0)) throw new Error(`cases of cell ${i} must be a number ≥ 0; got ${cases[i]}`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0,
      e = 0,
      count = 0;
    for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
      const j = nb.indices[p]!;
      r += cases[j]!;
      e += exposure[j]!;
      count += 1;
    }
    const m = r / e,
      nbar = e / count;
    let C = 0;
    for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) {
      const j = nb.indices[p]!;
      C += exposure[j]! * (cases[j]! / exposure[j]! - m) ** 2;
    }
    const a = Math.max(0, C / e - m / nbar);
    const x = cases[i]! / exposure[i]!;
    const den = a + m / exposure[i]!;
    out[i] = den > 0 ? m + (x - m) * (a / den) : m;
  }
  return out;
}

/**
 * Spatially smoothed cell rates by local empirical Bayes. Rule: incidents over the window, exposure
 * = months × cell area (km²); each cell's rate shrunk towards its H3 k = 1 neighbourhood (localEbRates),
 * scored as the expected incidents per month (rate × area), so a cell with few incidents among busy
 * neighbours rises and a lone spike is damped. Parameters: window; k = 1.
 */
export const empiricalBayes: SelectionMethod = {
  key: 'empirical-bayes',
  name: 'Empirical-Bayes smoothed rates',
  description:
    "Incidents per km² per month over the window, shrunk towards the cell's k = 1 neighbourhood by Marshall's local empirical Bayes (spdep::EBlocal, geoda = TRUE); scored as expected incidents per month.",
  score: (ctx) => {
    const d = ctx.history.data;
    const counts = ctx.history.sum('incidents', ctx.window);
    const months = ctx.history.origin - ctx.history.windowStart(ctx.window);
    const exposure = Float64Array.from(d.areaKm2, (a) => a * Math.max(1, months));
    const rates = localEbRates(counts, exposure, d.neighbours());
    for (let i = 0; i < rates.length; i++) rates[i] = rates[i]! * d.areaKm2[i]!;
    return rates;
  },
};

import type { History } from '../history';
import { innerHitRates, type SelectionContext, type SelectionMethod } from '../method';

/** Half-lives tried, in months, and prior weights κ (the prior's worth as a share of the history's). */
export const OTHER_CRIME_HALF_LIVES = [6, 12, 24] as const;
export const PRIOR_WEIGHTS = [0, 0.1, 0.2, 0.4] as const;

/**
 * The whole history before the origin, each month weighted 2^(−age/h): serious violence per cell,
 * other recorded crime and anti-social behaviour per cell (all recorded minus the definition's, never
 * below 0), and the force's ratio of the first to the second (0 when there is no other crime).
 */
export function weightedHistory(h: History, halfLife: number): { violence: Float64Array; other: Float64Array; ratio: number } {
  if (!(halfLife > 0)) throw new Error(`the half-life must be above 0 months; got ${halfLife}`);
  const w = (age: number) => 2 ** (-age / halfLife);
  const violence = h.sum('incidents', h.origin, w);
  const other = h.sum('allCrime', h.origin, w);
  let v = 0,
    o = 0;
  for (let i = 0; i < other.length; i++) {
    other[i] = Math.max(0, other[i]! - violence[i]!);
    v += violence[i]!;
    o += other[i]!;
  }
  return { violence, other, ratio: o > 0 ? v / o : 0 };
}

/** Posterior mean of each cell's weighted count: (yᵢ + κ·ρ·oᵢ) / (1 + κ). */
export function shrunkTowardsOtherCrime(parts: { violence: Float64Array; other: Float64Array; ratio: number }, kappa: number): Float64Array {
  if (!(kappa >= 0)) throw new Error(`the prior weight must be a number ≥ 0; got ${kappa}`);
  const { violence, other, ratio } = parts;
  const out = new Float64Array(violence.length);
  for (let i = 0; i < out.length; i++) out[i] = (violence[i]! + kappa * ratio * other[i]!) / (1 + kappa);
  return out;
}

const CANDIDATES = OTHER_CRIME_HALF_LIVES.flatMap((halfLife) => PRIOR_WEIGHTS.map((kappa) => ({ halfLife, kappa })));

/** The (half-life, κ) with the best mean next-month hit rate over earlier origins (ties: the shorter half-life, then the smaller κ); h 12, κ 0 when there is no earlier origin. */
export function chooseOtherCrime(ctx: SelectionContext): { halfLife: number; kappa: number } {
  const hits = innerHitRates(ctx, 'other-crime', (inner) =>
    OTHER_CRIME_HALF_LIVES.flatMap((hl) => {
      const parts = weightedHistory(inner.history, hl);
      return PRIOR_WEIGHTS.map((k) => shrunkTowardsOtherCrime(parts, k));
    }),
  );
  let best = CANDIDATES.findIndex((c) => c.halfLife === 12 && c.kappa === 0);
  if (hits) {
    let bestHit = -1;
    hits.forEach((v, i) => {
      if (v > bestHit + 1e-12) {
        best = i;
        bestHit = v;
      }
    });
  }
  return CANDIDATES[best]!;
}

/**
 * Serious violence shrunk towards what the cell's other crime predicts (other crime as a leading
 * indicator). Rule: over the whole history before the origin (not the window), each month weighted
 * 2^(−age/h), yᵢ = the cell's serious violence and oᵢ = its other recorded crime and anti-social
 * behaviour; ρ = Σy/Σo, the force's violence per other incident. Each cell's rate gets a gamma prior
 * with mean ρ·oᵢ (per unit of history) and weight κ times the history's (Poisson–gamma empirical Bayes,
 * Clayton & Kaldor 1987, "Empirical Bayes estimates of age-standardized relative risks for use in
 * disease mapping", Biometrics 43, with the prior mean from a covariate); the score is the posterior
 * mean (yᵢ + κρoᵢ)/(1 + κ). Disorder, theft and public order mark places violence follows (Cohen,
 * Gorr & Olligschlaeger 2007, "Leading indicators and spatial interactions: a crime-forecasting model
 * for proactive police deployment", Geographical Analysis 39). κ = 0 is recency-weighted counts over
 * the whole history. h ∈ {6, 12, 24} months and κ ∈ {0, 0.1, 0.2, 0.4} are chosen together at each
 * origin by the best mean next-month hit rate at the tuning budget over the up to 12 earlier origins,
 * each scored on its own history. Parameters: half-lives and weights tried; tuning budget.
 * @example shrunkTowardsOtherCrime({ violence: [4, 0], other: [10, 30], ratio: 0.2 }, 0.25) // [(4 + 0.5)/1.25, 1.5/1.25] = [3.6, 1.2]
 */
export const otherCrime: SelectionMethod = {
  key: 'other-crime',
  name: 'Shrunk towards other crime',
  reads: ['allCrime'],
  description:
    "Serious violence over the whole history (months weighted 2^(−age/h)) shrunk towards the rate the cell's other recorded crime and anti-social behaviour predicts (Poisson–gamma empirical Bayes, prior weight κ); h ∈ {6, 12, 24} and κ ∈ {0, 0.1, 0.2, 0.4} chosen on the earlier months only by next-month capture at the tuning budget.",
  score: (ctx) => {
    const c = chooseOtherCrime(ctx);
    return shrunkTowardsOtherCrime(weightedHistory(ctx.history, c.halfLife), c.kappa);
  },
  chosen: (ctx) => {
    const c = chooseOtherCrime(ctx);
    return `half-life ${c.halfLife} months, κ ${c.kappa}`;
  },
};

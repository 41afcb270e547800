import binomialTest from '@stdlib/stats-binomial-test';

export interface CountOverExposure {
  /** Incidents counted. */
  count: number;
  /** What the count is over: months, or person-months; only the ratio of the two exposures matters. */
  exposure: number;
}

export interface CountChange {
  before: CountOverExposure;
  after: CountOverExposure;
  /** (after.count / after.exposure) / (before.count / before.exposure); null when the before rate is 0. */
  rateRatio: number | null;
  /** Percentage change of the rate, (rateRatio − 1) × 100; null with rateRatio. */
  percentChange: number | null;
  /** Exact confidence interval of the rate ratio at 1 − alpha. */
  ci: [number, number] | null;
  pValue: number;
  significant: boolean;
  direction: 'rise' | 'fall' | 'no significant change';
  method: string;
}

/**
 * Is the change between two Poisson counts more than chance?
 *
 * Rule: the exact conditional test (Przyborowski & Wilenski 1940), as R's `poisson.test(c(x1, x0),
 * c(t1, t0))` computes it: given n = x0 + x1 incidents in all, under equal rates the after count is
 * Binomial(n, t1 / (t0 + t1)). The two-sided p-value sums the probabilities of every outcome no more
 * likely than the one seen (R's binom.test); the rate ratio's interval comes from the Clopper–Pearson
 * interval of the binomial proportion, p/(1 − p) × t0/t1. Small counts are handled exactly, so "12 →
 * 18, up 50 %" is not called a rise when chance explains it.
 * @example countChange({ before: { count: 40, exposure: 3 }, after: { count: 62, exposure: 3 } })
 *          // rateRatio 1.55, pValue ≈ 0.037 → a significant rise at alpha 0.05
 */
export function countChange(c: { before: CountOverExposure; after: CountOverExposure }, alpha = 0.05): CountChange {
  for (const [name, v] of [
    ['before', c.before],
    ['after', c.after],
  ] as const) {
    if (!Number.isInteger(v.count) || v.count < 0) throw new Error(`${name}.count must be a whole number ≥ 0 (a count of incidents); got ${v.count}`);
    if (!(v.exposure > 0) || !Number.isFinite(v.exposure))
      throw new Error(`${name}.exposure must be a positive number (months, or person-months); got ${v.exposure}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new Error(`alpha must be between 0 and 1; got ${alpha}`);
  const method = 'exact conditional Poisson test (binomial on the after count given the total), two-sided';
  const n = c.before.count + c.after.count;
  const rateRatio = c.before.count > 0 ? c.after.count / c.after.exposure / (c.before.count / c.before.exposure) : null;
  const percentChange = rateRatio === null ? null : (rateRatio - 1) * 100;
  if (n === 0) {
    return { ...c, rateRatio: null, percentChange: null, ci: null, pValue: 1, significant: false, direction: 'no significant change', method };
  }
  const share = c.after.exposure / (c.before.exposure + c.after.exposure);
  const test = binomialTest(c.after.count, n, { p: share, alpha });
  const toRatio = (p: number) => (p >= 1 ? Infinity : (p / (1 - p)) * (c.before.exposure / c.after.exposure));
  const ci: [number, number] = [toRatio(test.ci[0] as number), toRatio(test.ci[1] as number)];
  const significant = test.pValue < alpha;
  const afterRate = c.after.count / c.after.exposure;
  const beforeRate = c.before.count / c.before.exposure;
  return {
    ...c,
    rateRatio,
    percentChange,
    ci,
    pValue: test.pValue,
    significant,
    method,
    direction: !significant ? 'no significant change' : afterRate > beforeRate ? 'rise' : 'fall',
  };
}

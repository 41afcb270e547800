import type { SelectionMethod } from '../method';
import { combination } from './combination';
import { lastMonths, topCount, topHarm } from './counts';
import { empiricalBayes } from './empiricalBayes';
import { gistarMethod } from './gistar';
import { hchhMethod } from './hchh';
import { kde } from './kde';
import { otherCrime } from './otherCrime';
import { recency } from './recency';

/** The members the combination may blend: the score-based methods (HCHH and Gi* select, they do not grade). */
export const COMBINATION_MEMBERS: SelectionMethod[] = [topCount, lastMonths, recency, kde, empiricalBayes];

/** Every method of the backtest, the baseline first. */
export const METHODS: SelectionMethod[] = [
  lastMonths,
  topCount,
  topHarm,
  hchhMethod,
  gistarMethod,
  recency,
  kde,
  empiricalBayes,
  otherCrime,
  combination(COMBINATION_MEMBERS),
];

export const METHOD_KEYS = METHODS.map((m) => m.key);
export const BASELINE_KEY = lastMonths.key;

export function methodByKey(key: string): SelectionMethod {
  const m = METHODS.find((x) => x.key === key);
  if (!m) throw new Error(`unknown method "${key}"; known methods: ${METHOD_KEYS.join(', ')}`);
  return m;
}

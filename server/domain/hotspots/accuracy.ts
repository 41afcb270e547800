import { InsufficientDataError } from '../errors';
export interface Accuracy {
  cells: number;
  areaKm2: number;
  /** Share of the study area the selection covers, a / A. */
  areaShare: number;
  /** Incidents of the evaluation period inside the selection, n. */
  captured: number;
  /** Hit rate: n / N, the share of the evaluation period's incidents inside the selection. */
  hitRate: number;
  /** Predictive Accuracy Index (Chainey, Tompson & Uhlig 2008): (n / N) / (a / A). */
  pai: number;
  /** Recapture Rate Index (Levine 2008): (n_eval / n_train) / (N_eval / N_train), for the selected cells. */
  rri: number | null;
}

/**
 * How well a hotspot selection made on a training period predicts a later evaluation period.
 * Hit rate is the share of the evaluation period's incidents that fall in the selected cells; the
 * PAI divides it by the share of the study area they cover (Chainey, Tompson & Uhlig 2008, "The
 * utility of hotspot mapping for predicting spatial patterns of crime", Security Journal 21); the RRI
 * compares the selection's change with the study area's (Levine 2008, CrimeStat), so a value above 1
 * says the selected cells kept more of their incidents than the area as a whole.
 * @example selectionAccuracy({ selected: ['89…'], train, evaluate, areaOf: (c) => cellArea(c, 'km2'), studyAreaKm2: 650 })
 */
export function selectionAccuracy(a: {
  selected: string[];
  train: Map<string, number>;
  evaluate: Map<string, number>;
  areaOf: (cell: string) => number;
  studyAreaKm2: number;
}): Accuracy {
  if (!(a.studyAreaKm2 > 0)) throw new Error(`the study area must be larger than 0 km²; got ${a.studyAreaKm2}`);
  const total = (m: Map<string, number>) => {
    let s = 0;
    for (const v of m.values()) s += v;
    return s;
  };
  const N = total(a.evaluate),
    Ntrain = total(a.train);
  if (N === 0) throw new InsufficientDataError('the evaluation period has no incidents, so accuracy cannot be measured');
  let n = 0,
    nTrain = 0,
    area = 0;
  for (const c of new Set(a.selected)) {
    n += a.evaluate.get(c) ?? 0;
    nTrain += a.train.get(c) ?? 0;
    area += a.areaOf(c);
  }
  const hitRate = n / N;
  const areaShare = area / a.studyAreaKm2;
  return {
    cells: new Set(a.selected).size,
    areaKm2: area,
    areaShare,
    captured: n,
    hitRate,
    pai: areaShare > 0 ? hitRate / areaShare : 0,
    rri: nTrain > 0 && Ntrain > 0 ? n / nTrain / (N / Ntrain) : null,
  };
}

/** The first cells of a ranking whose area stays within a budget, so selections compare at equal area. */
export function topCellsWithinArea(ranking: string[], budgetKm2: number, areaOf: (cell: string) => number): string[] {
  const out: string[] = [];
  let area = 0;
  for (const c of ranking) {
    const a = areaOf(c);
    if (area + a > budgetKm2 * (1 + 1e-9)) break;
    out.push(c);
    area += a;
  }
  return out;
}

/**
 * selectionAccuracy over arrays indexed by cell (cell i of every array is the same cell), for
 * backtests that score thousands of selections: the same hit rate, PAI and RRI, with the totals N
 * and N_train given once instead of summed per call.
 */
export function indexedAccuracy(a: {
  selected: ArrayLike<number>;
  train: ArrayLike<number>;
  evaluate: ArrayLike<number>;
  areaKm2: ArrayLike<number>;
  studyAreaKm2: number;
  totals: { train: number; evaluate: number };
}): Accuracy {
  if (!(a.studyAreaKm2 > 0)) throw new Error(`the study area must be larger than 0 km²; got ${a.studyAreaKm2}`);
  const N = a.totals.evaluate,
    Ntrain = a.totals.train;
  if (N === 0) throw new Error('the evaluation period has no incidents, so accuracy cannot be measured');
  let n = 0,
    nTrain = 0,
    area = 0;
  for (let k = 0; k < a.selected.length; k++) {
    const i = a.selected[k]!;
    n += a.evaluate[i]!;
    nTrain += a.train[i]!;
    area += a.areaKm2[i]!;
  }
  const hitRate = n / N;
  const areaShare = area / a.studyAreaKm2;
  return {
    cells: a.selected.length,
    areaKm2: area,
    areaShare,
    captured: n,
    hitRate,
    pai: areaShare > 0 ? hitRate / areaShare : 0,
    rri: nTrain > 0 && Ntrain > 0 ? n / nTrain / (N / Ntrain) : null,
  };
}

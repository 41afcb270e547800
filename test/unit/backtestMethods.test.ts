import { cellArea, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { meanInterval, ratioOfMeans } from '../../server/domain/backtest/bootstrap';
import { captureBounds } from '../../server/domain/backtest/bounds';
import { History, LookAheadError, type BacktestData } from '../../server/domain/backtest/history';
import { rankWithinBudget, type SelectionContext } from '../../server/domain/backtest/method';
import { candidateBlends, chooseBlend, blendScores } from '../../server/domain/backtest/methods/combination';
import { lastMonths, topCount, topHarm } from '../../server/domain/backtest/methods/counts';
import { localEbRates } from '../../server/domain/backtest/methods/empiricalBayes';
import { hchhMethod } from '../../server/domain/backtest/methods/hchh';
import { bandwidthNrd, quarticDensity } from '../../server/domain/backtest/methods/kde';
import {
  chooseOtherCrime,
  OTHER_CRIME_HALF_LIVES,
  otherCrime,
  PRIOR_WEIGHTS,
  shrunkTowardsOtherCrime,
  weightedHistory,
} from '../../server/domain/backtest/methods/otherCrime';
import { decayedCounts } from '../../server/domain/backtest/methods/recency';
import { hchhAreas } from '../../server/domain/hchh';
import { h3Neighbours, type Neighbours } from '../../server/domain/hotspots/neighbours';
import { indexedAccuracy, selectionAccuracy } from '../../server/domain/hotspots/accuracy';

// Seven real res-10 cells (a cell and its ring) with hand-chosen monthly counts.
const centre = latLngToCell(53.4055, -2.9806, 10);
const cells = gridDisk(centre, 1).sort();
const n = cells.length;
function data(incidents: number[][], harm?: number[][], allCrime?: number[][]): BacktestData {
  const nb = h3Neighbours(cells, { k: 1 });
  return {
    cells,
    months: incidents.map((_, t) => `2020-${String(t + 1).padStart(2, '0')}`),
    incidents: incidents.map((m) => Float64Array.from(m)),
    harm: (harm ?? incidents).map((m) => Float64Array.from(m)),
    positions: null,
    allCrime: allCrime ? allCrime.map((m) => Float64Array.from(m)) : null,
    areaKm2: Float64Array.from(cells, (c) => cellArea(c, 'km2')),
    centreX: new Float64Array(n),
    centreY: new Float64Array(n),
    neighbours: () => nb,
  };
}
const ctxOf = (d: BacktestData, origin: number, window = 12, budgetShare = 0.5): SelectionContext => ({
  history: new History(d, origin),
  window,
  budgetShare,
  tuneBudgetShare: budgetShare,
  memo: new Map(),
});
const z = () => new Array(n).fill(0);
const withCounts = (pairs: [number, number][]) => {
  const m = z();
  for (const [i, v] of pairs) m[i] = v;
  return m;
};

describe('selection methods against hand-worked cases', () => {
  // Months 0–3: cell 0 was busy long ago, cell 1 lately, cell 2 steady.
  const d = data([
    withCounts([
      [0, 9],
      [2, 2],
    ]),
    withCounts([
      [0, 3],
      [2, 2],
    ]),
    withCounts([
      [1, 4],
      [2, 2],
    ]),
    withCounts([
      [1, 4],
      [2, 1],
    ]),
    withCounts([[6, 50]]),
  ]);

  it('top-count ranks the window total, last-3-months only the last 3 months; neither reads the origin month', () => {
    const c = ctxOf(d, 4);
    // Window totals: cell 0 = 12, cell 1 = 8, cell 2 = 7; last 3 months: cell 1 = 8, cell 2 = 5, cell 0 = 3.
    expect(rankWithinBudget(topCount.score(c), d.areaKm2, 1)).toEqual([0, 1, 2]);
    expect(rankWithinBudget(lastMonths.score(c), d.areaKm2, 1)).toEqual([1, 2, 0]);
    expect(Array.from(topCount.score(c)).map(Math.floor)).toEqual([12, 8, 7, 0, 0, 0, 0]);
    expect(topHarm.score(c)[6]).toBe(0); // month 4 (the origin) holds cell 6's 50: unseen
  });

  it('recency weights a month h months older by ½', () => {
    const c = ctxOf(d, 4);
    // Ages: month 3 → 0, month 2 → 1, month 1 → 2, month 0 → 3. Half-life 1: cell 0 = 9/8 + 3/4, cell 1 = 4 + 4/2.
    const s = decayedCounts(c, 1);
    expect(s[0]).toBeCloseTo(9 / 8 + 3 / 4, 12);
    expect(s[1]).toBeCloseTo(6, 12);
    expect(s[2]).toBeCloseTo(1 + 2 / 2 + 2 / 4 + 2 / 8, 12);
  });

  it('HCHH at a budget is the HCHH rule with both percentages at the budget, ranked by harm', () => {
    const c = ctxOf(d, 4, 12, 0.3);
    const s = hchhMethod.score(c);
    const expected = hchhAreas(
      cells.map((cell, i) => ({ cell, incidents: [12, 8, 7, 0, 0, 0, 0][i]!, harm: [12, 8, 7, 0, 0, 0, 0][i]! })),
      { crimeTopPercent: 30, harmTopPercent: 30 },
    );
    // 30 % of 7 cells = 2 cells: the two busiest.
    expect(expected.areas.flatMap((a) => a.cells).sort()).toEqual([cells[0], cells[1]].sort());
    expect(Array.from(s)).toEqual([12, 8, 0, 0, 0, 0, 0]);
  });

  it('local empirical Bayes matches a hand computation of spdep::EBlocal(geoda = TRUE)', () => {
    // A path of four cells 0–1–2–3, equal exposure 10; worked independently (Python) from Marshall's formulas.
    const nb: Neighbours = {
      offsets: Int32Array.from([0, 2, 5, 8, 10]),
      indices: Int32Array.from([0, 1, 0, 1, 2, 1, 2, 3, 2, 3]),
      weights: new Float64Array(10).fill(1),
    };
    const est = localEbRates([0, 30, 2, 12], [10, 10, 10, 10], nb);
    expect(est[0]).toBeCloseTo(0.1, 12);
    expect(est[1]).toBeCloseTo(2.890047393364929, 12);
    expect(est[2]).toBeCloseTo(0.33841059602649004, 12);
    expect(est[3]).toBeCloseTo(1.06, 12);
    expect(() => localEbRates([1], [0], { offsets: Int32Array.from([0, 1]), indices: Int32Array.from([0]), weights: Float64Array.from([1]) })).toThrow(
      /exposure of cell 0 must be above 0/,
    );
  });

  it('the quartic kernel and the bandwidth.nrd rule of thumb give the hand-worked values', () => {
    // MASS::bandwidth.nrd(1:10) = 4 · 1.06 · min(sd 3.02765, IQR 4.5 / 1.34) · 10^(−1/5) = 8.09975.
    expect(bandwidthNrd([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], new Array(10).fill(1))).toBeCloseTo(8.099749284328091, 10);
    // Weights repeat points: {1 ×2, 2, 3} is the sample 1, 1, 2, 3.
    expect(bandwidthNrd([1, 2, 3], [2, 1, 1])).toBeCloseTo(bandwidthNrd([1, 1, 2, 3], [1, 1, 1, 1]), 12);
    // One point of weight 2 at the origin; h = 100 m: at 0 m 2·3/(π·100²), at 50 m ×(1 − ¼)², at 100 m nothing.
    const f = quarticDensity({ x: [0], y: [0], w: [2] }, [0, 50, 100], [0, 0, 0], 100);
    expect(f[0]).toBeCloseTo(6 / (Math.PI * 1e4), 15);
    expect(f[1]).toBeCloseTo((6 / (Math.PI * 1e4)) * 0.5625, 15);
    expect(f[2]).toBe(0);
  });

  it('the combination uses the candidate with the best mean hit rate on earlier origins', () => {
    // Twelve months in which the last month predicts the next exactly (the hot cell moves each month).
    const months = Array.from({ length: 14 }, (_, t) =>
      withCounts([
        [t % n, 10],
        [(t + 3) % n, 1],
      ]),
    );
    const dd = data(months);
    const c = ctxOf(dd, 13, 12, 1 / n + 1e-9);
    const chosen = chooseBlend(c, [topCount, lastMonths]);
    const all = candidateBlends([topCount, lastMonths]);
    expect(all).toHaveLength(5);
    // Score each candidate by hand over origins 3…12: next-month hit of the single top cell.
    const hand = all.map((b) => {
      let s = 0,
        k = 0;
      for (let t = 3; t < 13; t++) {
        const inner = { ...c, history: c.history.before(t) };
        const top = rankWithinBudget(blendScores(inner, b), dd.areaKm2, c.tuneBudgetShare * dd.areaKm2.reduce((a, x) => a + x, 0));
        const ev = dd.incidents[t]!;
        s += top.reduce((a, i) => a + ev[i]!, 0) / ev.reduce((a, x) => a + x, 0);
        k++;
      }
      return s / k;
    });
    const best = Math.max(...hand);
    expect(
      hand[
        all.indexOf(all.find((b) => b.parts.map((p) => `${p.weight}${p.method.key}`).join() === chosen.parts.map((p) => `${p.weight}${p.method.key}`).join())!)
      ],
    ).toBe(best);
  });
});

describe('serious violence shrunk towards other crime', () => {
  // Months 0–2 before origin 3. Serious violence: cell 0 = 2, 1, 0; cell 1 = 0, 1, 2. All recorded
  // crime (violence included): cell 0 = 2, 1, 0; cell 1 = 0, 3, 2; cell 2 = 6, 4, 2; cell 3 = 0, 0, 8.
  const violence = [
    withCounts([[0, 2]]),
    withCounts([
      [0, 1],
      [1, 1],
    ]),
    withCounts([[1, 2]]),
    withCounts([[3, 9]]),
  ];
  const all = [
    withCounts([
      [0, 2],
      [2, 6],
    ]),
    withCounts([
      [0, 1],
      [1, 3],
      [2, 4],
    ]),
    withCounts([
      [1, 2],
      [2, 2],
      [3, 8],
    ]),
    withCounts([[3, 9]]),
  ];
  const d = data(violence, undefined, all);

  it('weights the whole history, takes other crime as all minus violence, and shrinks by hand-worked amounts', () => {
    // Half-life 1: month 2 weighs 1, month 1 ½, month 0 ¼.
    // Violence: cell 0 = 2·¼ + 1·½ = 1, cell 1 = 1·½ + 2 = 2.5. Other: cell 1 = 2·½ = 1, cell 2 = 6·¼ + 4·½ + 2 = 5.5, cell 3 = 8.
    const parts = weightedHistory(new History(d, 3), 1);
    expect(Array.from(parts.violence)).toEqual([1, 2.5, 0, 0, 0, 0, 0]);
    expect(Array.from(parts.other)).toEqual([0, 1, 5.5, 8, 0, 0, 0]);
    expect(parts.ratio).toBeCloseTo(3.5 / 14.5, 15);
    // κ = ½: (y + ½·(7/29)·o) / 1.5.
    const s = shrunkTowardsOtherCrime(parts, 0.5);
    const hand = [1 / 1.5, (2.5 + (0.5 * 7) / 29) / 1.5, (0.5 * 7 * 5.5) / 29 / 1.5, (0.5 * 7 * 8) / 29 / 1.5, 0, 0, 0];
    for (const [i, v] of hand.entries()) expect(s[i]).toBeCloseTo(v, 12);
    // Cell 3, with no violence yet but the most other crime, now ranks above cell 2 and just below cell 0.
    expect(rankWithinBudget(s, d.areaKm2, 10)).toEqual([1, 0, 3, 2]);
    // κ = 0 is the weighted violence alone; the origin month (cell 3's 9) is never read.
    expect(Array.from(shrunkTowardsOtherCrime(parts, 0))).toEqual(Array.from(parts.violence));
    expect(() => weightedHistory(new History(data(violence), 3), 1)).toThrow(/all recorded crime are not loaded/);
  });

  it('chooses the half-life and prior weight with the best mean hit rate on earlier origins, computed by hand', () => {
    // Fourteen months: violence wanders, other crime marks the cell it goes to next.
    const months = Array.from({ length: 14 }, (_, t) =>
      withCounts([
        [t % n, 3],
        [(t * 3 + 1) % n, 1],
      ]),
    );
    const allCrime = months.map((m, t) => m.map((v, i) => v + (i === (t + 1) % n ? 6 : 0) + (i === (t + 4) % n ? 2 : 0)));
    const dd = data(months, undefined, allCrime);
    const c = ctxOf(dd, 13, 12, 1 / n + 1e-9);
    const A = dd.areaKm2.reduce((a, x) => a + x, 0);
    // By hand: at each earlier origin t = 3…12, each candidate's top cell and its share of month t's violence.
    const hand = OTHER_CRIME_HALF_LIVES.flatMap((h) =>
      PRIOR_WEIGHTS.map((k) => {
        let sum = 0;
        for (let t = 3; t < 13; t++) {
          const y = new Float64Array(n),
            o = new Float64Array(n);
          for (let m = 0; m < t; m++)
            for (let i = 0; i < n; i++) {
              y[i]! += 2 ** (-(t - 1 - m) / h) * months[m]![i]!;
              o[i]! += 2 ** (-(t - 1 - m) / h) * (allCrime[m]![i]! - months[m]![i]!);
            }
          const rho = y.reduce((a, v) => a + v, 0) / o.reduce((a, v) => a + v, 0);
          const top = rankWithinBudget(
            Float64Array.from(y, (v, i) => (v + k * rho * o[i]!) / (1 + k)),
            dd.areaKm2,
            c.tuneBudgetShare * A,
          );
          sum += top.reduce((a, i) => a + months[t]![i]!, 0) / months[t]!.reduce((a, v) => a + v, 0);
        }
        return { h, k, hit: sum / 10 };
      }),
    );
    const best = hand.find((x) => x.hit === Math.max(...hand.map((y) => y.hit)))!;
    expect(chooseOtherCrime(c)).toEqual({ halfLife: best.h, kappa: best.k });
    expect(otherCrime.chosen!(c)).toBe(`half-life ${best.h} months, κ ${best.k}`);
  });
});

describe('the oracle and hindsight references', () => {
  it('rank by the evaluation month itself, and by every other month, against the last 3 months', () => {
    // Months 0–4; origins 3 and 4 (minHistory 3), one cell of budget (a seventh of the area, just over).
    // Cell 0 is busy in months 0–1 and 4, cell 1 in months 2–3, cell 2 a little every month.
    const d = data([
      withCounts([
        [0, 5],
        [2, 1],
      ]),
      withCounts([
        [0, 9],
        [2, 1],
      ]),
      withCounts([
        [1, 4],
        [2, 1],
      ]),
      withCounts([
        [1, 4],
        [2, 3],
      ]),
      withCounts([
        [0, 6],
        [2, 2],
      ]),
    ]);
    const A = d.areaKm2.reduce((a, x) => a + x, 0);
    const [oracle, hindsight] = captureBounds(d, { horizons: [1], budgets: [Math.max(...d.areaKm2) / A + 1e-9], minHistory: 3 });
    // Origin 3: month 3 = {1: 4, 2: 3}; oracle takes cell 1 (4/7); hindsight ranks months 0–2 and 4:
    // cell 0 = 20 first, so 0/7; the last 3 months (0–2) rank cell 0 = 14 first: 0/7.
    // Origin 4: month 4 = {0: 6, 2: 2}; oracle cell 0 (6/8); hindsight months 0–3: cell 0 = 14, 6/8;
    // the last 3 months (1–3): cell 0 = 9 before cell 1 = 8, 6/8.
    expect(oracle!.bound).toBe('oracle');
    expect(oracle!.hitRate.mean).toBeCloseTo((4 / 7 + 6 / 8) / 2, 12);
    expect(hindsight!.hitRate.mean).toBeCloseTo((0 + 6 / 8) / 2, 12);
    expect(hindsight!.hitRateVsBaseline.mean).toBeCloseTo(1, 12);
    expect(oracle!.hitRateVsBaseline.mean).toBeCloseTo((4 / 7 + 6 / 8) / 2 / (3 / 8), 12);
  });
});

describe('history, ranking, accuracy and bootstrap', () => {
  it('refuses to read the origin month or later', () => {
    const d = data([z(), z(), z()]);
    const h = new History(d, 2);
    expect(() => h.incidents(2)).toThrow(LookAheadError);
    expect(() => h.before(5).harm(2)).toThrow(/look-ahead/);
    expect(h.incidents(1)).toBe(d.incidents[1]);
  });

  it('indexed accuracy equals selectionAccuracy', () => {
    const train = [40, 20, 10, 30],
      evaluate = [30, 10, 20, 40],
      area = [0.5, 0.5, 0.5, 0.5];
    const a = indexedAccuracy({ selected: [0, 1], train, evaluate, areaKm2: area, studyAreaKm2: 10, totals: { train: 100, evaluate: 100 } });
    const b = selectionAccuracy({
      selected: ['a', 'b'],
      train: new Map([
        ['a', 40],
        ['b', 20],
        ['c', 10],
        ['d', 30],
      ]),
      evaluate: new Map([
        ['a', 30],
        ['b', 10],
        ['c', 20],
        ['d', 40],
      ]),
      areaOf: () => 0.5,
      studyAreaKm2: 10,
    });
    expect(a).toEqual(b);
  });

  it('bootstrap intervals are seeded, contain the mean and collapse on a constant series', () => {
    const v = [0.1, 0.14, 0.12, 0.09, 0.15, 0.11, 0.13, 0.1];
    const a = meanInterval(v),
      b = meanInterval(v);
    expect(a).toEqual(b);
    expect(a.mean).toBeCloseTo(0.1175, 12);
    expect(a.lower).toBeLessThan(a.mean);
    expect(a.upper).toBeGreaterThan(a.mean);
    expect(meanInterval([0.25, 0.25, 0.25])).toEqual({ mean: 0.25, lower: 0.25, upper: 0.25 });
    expect(ratioOfMeans([2, 4], [1, 2]).mean).toBe(2);
  });
});

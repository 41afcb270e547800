import { describe, expect, it } from 'vitest';
import { selectionAccuracy, topCellsWithinArea } from '../../server/domain/hotspots/accuracy';

describe('hotspot accuracy', () => {
  // Four cells of 0.5 km² in a 10 km² study area: worked by hand.
  const train = new Map([
    ['a', 40],
    ['b', 20],
    ['c', 10],
    ['d', 30],
  ]);
  const evaluate = new Map([
    ['a', 30],
    ['b', 10],
    ['c', 20],
    ['d', 40],
  ]);
  const areaOf = () => 0.5;

  it('computes hit rate, PAI and RRI', () => {
    const r = selectionAccuracy({ selected: ['a', 'b'], train, evaluate, areaOf, studyAreaKm2: 10 });
    // n = 40 of N = 100 → hit rate 0.4; a/A = 1/10 → PAI 4; RRI = (40/60)/(100/100) = 0.667
    expect(r).toMatchObject({ cells: 2, areaKm2: 1, captured: 40, hitRate: 0.4, areaShare: 0.1 });
    expect(r.pai).toBeCloseTo(4, 12);
    expect(r.rri).toBeCloseTo(2 / 3, 12);
  });

  it('cuts a ranking at an area budget', () => {
    expect(topCellsWithinArea(['d', 'a', 'b', 'c'], 1.2, areaOf)).toEqual(['d', 'a']);
    expect(topCellsWithinArea(['d', 'a'], 0.4, areaOf)).toEqual([]);
  });

  it('explains impossible inputs', () => {
    expect(() => selectionAccuracy({ selected: ['a'], train, evaluate: new Map(), areaOf, studyAreaKm2: 10 })).toThrow(/evaluation period has no incidents/);
    expect(() => selectionAccuracy({ selected: ['a'], train, evaluate, areaOf, studyAreaKm2: 0 })).toThrow(/study area must be larger than 0/);
  });
});

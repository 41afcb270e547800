import fs from 'node:fs';
import { gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { confidenceBins } from '../../server/domain/hotspots/confidenceBins';
import { gistar, twoSidedP } from '../../server/domain/hotspots/gistar';
import { h3Neighbours, type Neighbours } from '../../server/domain/hotspots/neighbours';

const input = JSON.parse(fs.readFileSync(new URL('../in/gistar-merseyside-r8.json', import.meta.url), 'utf8'));
const spdep = JSON.parse(fs.readFileSync(new URL('../out/gistar-merseyside-r8.json', import.meta.url), 'utf8'));

const fromRows = (rows: [number, number][][]): Neighbours => {
  const offsets = new Int32Array(rows.length + 1);
  const indices: number[] = [],
    weights: number[] = [];
  rows.forEach((r, i) => {
    for (const [j, w] of r) {
      indices.push(j);
      weights.push(w);
    }
    offsets[i + 1] = indices.length;
  });
  return { offsets, indices: Int32Array.from(indices), weights: Float64Array.from(weights) };
};

describe('Gi* against spdep::localG on the real Merseyside resolution-8 grid of 2019', () => {
  it.each([
    ['counts', 'binary', 'countsBinary'],
    ['harm', 'binary', 'harmBinary'],
    ['counts', 'inverseDistance', 'countsInverseDistance'],
    ['harm', 'inverseDistance', 'harmInverseDistance'],
  ])('%s with %s weights match to 1e-9', (values, weights, expected) => {
    const z = gistar(input[values], fromRows(input[weights]));
    const ref: number[] = spdep[expected];
    expect(z.length).toBe(ref.length);
    let worst = 0;
    z.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - ref[i]!));
    });
    expect(worst).toBeLessThan(1e-9);
  });

  it('builds the same neighbours the fixture was made with', () => {
    const nb = h3Neighbours(input.cells, { k: 1, weights: 'binary' });
    expect(Array.from(nb.indices)).toEqual(input.binary.flat().map((p: [number, number]) => p[0]));
  });
});

describe('H3 neighbours', () => {
  const centre = latLngToCell(53.4055, -2.9798, 9);
  const cells = gridDisk(centre, 2);
  it('includes the cell itself and only study-area cells', () => {
    const nb = h3Neighbours(cells, { k: 1 });
    const i = cells.indexOf(centre);
    const row = Array.from(nb.indices.slice(nb.offsets[i]!, nb.offsets[i + 1]!));
    expect(row.length).toBe(7);
    expect(row).toContain(i);
    const edge = cells.findIndex((c) => !gridDisk(centre, 1).includes(c));
    expect(nb.offsets[edge + 1]! - nb.offsets[edge]!).toBeLessThan(7); // ring-2 cells lose neighbours outside the area
  });
  it('weighs by inverse distance with the first ring at about 1 and the second at about ½', () => {
    const nb = h3Neighbours(cells, { k: 2, weights: 'inverse-distance' });
    const i = cells.indexOf(centre);
    const w = new Map<string, number>();
    for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) w.set(cells[nb.indices[p]!]!, nb.weights[p]!);
    expect(w.get(centre)).toBe(1);
    for (const c of gridDisk(centre, 1).filter((c) => c !== centre)) expect(w.get(c)!).toBeGreaterThan(0.9); // H3 cells differ a little in size
    const second = [...w.entries()].filter(([c]) => !gridDisk(centre, 1).includes(c)).map(([, v]) => v);
    expect(Math.max(...second)).toBeLessThan(0.6);
    expect(Math.min(...second)).toBeGreaterThan(0.45);
  });
  it('explains bad options', () => {
    expect(() => h3Neighbours(cells, { k: 0 })).toThrow(/k must be a whole number from 1 to 10/);
    expect(() => h3Neighbours([centre, centre])).toThrow(/appears twice/);
  });
});

describe('Gi* input checks and confidence bins', () => {
  it('refuses constant values and mismatched neighbours', () => {
    const nb = h3Neighbours(gridDisk(latLngToCell(53.4, -2.98, 9), 1));
    expect(() => gistar(new Float64Array(7).fill(2), nb)).toThrow(/same value/);
    expect(() => gistar(new Float64Array(5), nb)).toThrow(/describe 7 cells but there are 5 values/);
  });

  it('bins z-scores at 90/95/99 % without FDR', () => {
    const { bins } = confidenceBins([3.0, -2.0, 1.7, 1.6, -2.6], { fdr: false });
    expect(Array.from(bins)).toEqual([3, -2, 1, 0, -3]);
    expect(twoSidedP(1.959963984540054)).toBeCloseTo(0.05, 12);
  });

  it('applies Benjamini–Hochberg per level: hand-worked case', () => {
    // p of z = 3.5, 2.8, 2.2, 1.7, 0.5, 0 … (10 cells): 0.000465, 0.00511, 0.0278, 0.0891, 0.617, 1 × 5
    // α = 0.01: cut-offs i·0.001 → p(1) ≤ 0.001, p(2) = 0.00511 > 0.002 → only the first cell at 99 %
    // α = 0.05: i·0.005 → p(2) ≤ 0.010, p(3) = 0.0278 > 0.015 → first two at 95 %
    // α = 0.10: i·0.01 → p(3) = 0.0278 ≤ 0.03, p(4) = 0.0891 > 0.04 → first three at 90 %
    const z = [3.5, 2.8, 2.2, 1.7, 0.5, 0, 0, 0, 0, 0];
    expect(Array.from(confidenceBins(z).bins)).toEqual([3, 2, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(confidenceBins(z, { fdr: false }).bins)).toEqual([3, 3, 2, 1, 0, 0, 0, 0, 0, 0]);
  });
});

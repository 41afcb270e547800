import { gridDisk, cellToLatLng, greatCircleDistance } from 'h3-js';

/**
 * Spatial weights in compressed sparse rows: the neighbours of cell i are
 * indices[offsets[i]] … indices[offsets[i + 1] − 1], with the same slice of weights. Each row
 * includes the cell itself (the "star" of Gi*).
 */
export interface Neighbours {
  offsets: Int32Array;
  indices: Int32Array;
  weights: Float64Array;
}

export type WeightScheme = 'binary' | 'inverse-distance';

/**
 * Neighbours of every study-area cell: the cells of its H3 k-ring (itself included) that are in the
 * study area. Binary weights give every neighbour 1. Inverse-distance weights give the cell itself 1
 * and a neighbour d₁/d, where d is the distance between cell centres and d₁ the distance to the
 * nearest ring (so adjacent cells weigh about 1, the second ring about ½): the self weight cannot be
 * 1/0, and scaling by d₁ keeps the weights comparable across resolutions.
 * @example h3Neighbours(['89195da49b7ffff', …], { k: 1, weights: 'binary' })
 */
export function h3Neighbours(cells: string[], opts: { k?: number; weights?: WeightScheme } = {}): Neighbours {
  const k = opts.k ?? 1;
  const scheme = opts.weights ?? 'binary';
  if (!Number.isInteger(k) || k < 1 || k > 10) throw new Error(`k must be a whole number from 1 to 10 (the k-ring); got ${k}`);
  if (scheme !== 'binary' && scheme !== 'inverse-distance') throw new Error(`weights must be "binary" or "inverse-distance"; got "${String(scheme)}"`);
  const index = new Map<string, number>();
  cells.forEach((c, i) => {
    if (index.has(c)) throw new Error(`cell ${c} appears twice in the study area`);
    index.set(c, i);
  });
  const offsets = new Int32Array(cells.length + 1);
  const indices: number[] = [];
  const weights: number[] = [];
  const centres = scheme === 'inverse-distance' ? cells.map((c) => cellToLatLng(c)) : [];
  for (let i = 0; i < cells.length; i++) {
    const row: [number, number][] = [];
    let nearest = Infinity;
    for (const n of gridDisk(cells[i]!, k)) {
      const j = index.get(n);
      if (j === undefined) continue;
      if (scheme === 'binary' || j === i) {
        row.push([j, 1]);
        continue;
      }
      const d = greatCircleDistance(centres[i]!, centres[j]!, 'm');
      nearest = Math.min(nearest, d);
      row.push([j, d]);
    }
    if (scheme === 'inverse-distance') {
      // d₁: the centre distance of the first ring, the same for all six neighbours up to H3's distortion.
      const ring1 = gridDisk(cells[i]!, 1)
        .filter((c) => c !== cells[i])
        .map((c) => greatCircleDistance(centres[i]!, cellToLatLng(c), 'm'));
      const d1 = Math.min(...ring1, nearest);
      for (const r of row) if (r[0] !== i) r[1] = d1 / r[1];
    }
    row.sort((a, b) => a[0] - b[0]);
    for (const [j, w] of row) {
      indices.push(j);
      weights.push(w);
    }
    offsets[i + 1] = indices.length;
  }
  return { offsets, indices: Int32Array.from(indices), weights: Float64Array.from(weights) };
}

/**
 * The same first ring (itself included) as h3Neighbours with k = 1, found on demand and kept: for
 * study areas of hundreds of thousands of cells where a caller looks only around a few thousand;
 * the same array gives the same lookup (kept until the array is dropped).
 * @example const ring = h3NeighbourLookup(cells); ring(0) // indices of cell 0's neighbours in the study area
 */
export function h3NeighbourLookup(cells: readonly string[]): (i: number) => number[] {
  // Kept per cells array: indexing a res-11 study area (about 300,000 cells) was a quarter of a warm
  // site review's work, and the analysis passes the same study area's array for every period.
  const kept = neighbourLookups.get(cells);
  if (kept) return kept;
  const index = new Map<string, number>(cells.map((c, i) => [c, i]));
  const rings = new Map<number, number[]>();
  const lookup = (i: number) => {
    let r = rings.get(i);
    if (!r) {
      r = [];
      for (const c of gridDisk(cells[i]!, 1)) {
        const j = index.get(c);
        if (j !== undefined) r.push(j);
      }
      rings.set(i, r);
    }
    return r;
  };
  neighbourLookups.set(cells, lookup);
  return lookup;
}

const neighbourLookups = new WeakMap<readonly string[], (i: number) => number[]>();

/** One H3 cell as a candidate for (or member of) a comparison area. */
export interface MatchCell {
  cell: string;
  /** Incidents in the pre-intervention period. */
  before: number;
  /** National IMD 2019 rank of the LSOA holding the cell's centre (1 = most deprived); null when unknown. */
  imdRank: number | null;
}

export interface MatchedPair {
  target: string;
  match: string;
  /** Standardised distance between the two (see matchComparisonCells). */
  distance: number;
}

export interface ComparisonMatch {
  cells: MatchCell[];
  pairs: MatchedPair[];
  targetBefore: number;
  matchedBefore: number;
  usedDeprivation: boolean;
  method: string;
}

/**
 * A comparison area found automatically: nearest-neighbour matching, one comparison cell per target
 * cell, without replacement, on the pre-period count and the IMD rank.
 *
 * Rule: each variable is standardised by its standard deviation over the candidate cells (1 when that
 * is 0); the distance between two cells is the Euclidean distance of the standardised pre-period count
 * and IMD rank (the count alone when any target or candidate has no IMD rank, i.e. the deprivation
 * table or LSOA boundaries are not loaded). Targets are taken in descending order of pre-period count
 * (ties: cell id), each takes the nearest unused candidate (ties: smaller cell id). The result has as
 * many cells as the target, with a pre-period total close to the target's. Candidates must already
 * exclude the area, its displacement buffer and anything outside the study area.
 * Reference: Rosenbaum & Rubin (1985), "Constructing a control group using multivariate matched
 * sampling methods", The American Statistician 39(1) — greedy nearest-neighbour matching; Eck (2002)
 * on comparison areas for place-based crime prevention evaluations.
 * @example matchComparisonCells([{ cell: 'a', before: 10, imdRank: 100 }], [{ cell: 'x', before: 9, imdRank: 120 }, { cell: 'y', before: 2, imdRank: 90 }])
 *          // cells [x]: 9 is nearer 10 than 2 is, once both are scaled by their spread
 */
export function matchComparisonCells(targets: MatchCell[], candidates: MatchCell[]): ComparisonMatch {
  if (targets.length === 0) throw new Error('matching needs at least one target cell');
  for (const c of [...targets, ...candidates]) {
    if (!Number.isInteger(c.before) || c.before < 0) throw new Error(`cell ${c.cell}: before must be a whole number ≥ 0; got ${c.before}`);
  }
  const targetIds = new Set(targets.map((t) => t.cell));
  const overlap = candidates.find((c) => targetIds.has(c.cell));
  if (overlap) throw new Error(`candidate cell ${overlap.cell} is also a target cell; candidates must exclude the area`);
  if (candidates.length < targets.length) {
    throw new Error(
      `only ${candidates.length} candidate cells outside the area and its buffer for ${targets.length} target cells; the area is too large for a matched comparison area`,
    );
  }
  const usedDeprivation = [...targets, ...candidates].every((c) => c.imdRank !== null);
  const sd = (v: number[]) => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    const s = Math.sqrt(v.reduce((s2, x) => s2 + (x - m) ** 2, 0) / v.length);
    return s > 0 ? s : 1;
  };
  const sdCount = sd(candidates.map((c) => c.before));
  const sdImd = usedDeprivation ? sd(candidates.map((c) => c.imdRank!)) : 1;
  const distance = (a: MatchCell, b: MatchCell) =>
    Math.sqrt(((a.before - b.before) / sdCount) ** 2 + (usedDeprivation ? ((a.imdRank! - b.imdRank!) / sdImd) ** 2 : 0));
  const order = [...targets].sort((a, b) => b.before - a.before || a.cell.localeCompare(b.cell));
  const pool = [...candidates].sort((a, b) => a.cell.localeCompare(b.cell));
  const used = new Uint8Array(pool.length);
  const pairs: MatchedPair[] = [];
  const cells: MatchCell[] = [];
  for (const t of order) {
    let best = -1,
      bestD = Infinity;
    for (let i = 0; i < pool.length; i++) {
      if (used[i]) continue;
      const d = distance(t, pool[i]!);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    used[best] = 1;
    pairs.push({ target: t.cell, match: pool[best]!.cell, distance: bestD });
    cells.push(pool[best]!);
  }
  return {
    cells,
    pairs,
    targetBefore: targets.reduce((s, c) => s + c.before, 0),
    matchedBefore: cells.reduce((s, c) => s + c.before, 0),
    usedDeprivation,
    method: `greedy nearest-neighbour matching without replacement, one comparison cell per target cell (${targets.length}), on the pre-period count${usedDeprivation ? ' and the IMD 2019 rank of the LSOA at the cell centre' : ' only (no IMD ranks loaded)'}, each standardised by its standard deviation over the ${candidates.length} candidate cells; targets in descending order of pre-period count`,
  };
}

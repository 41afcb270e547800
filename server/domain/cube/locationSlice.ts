import { cellToParent, getResolution } from 'h3-js';

/** One row of a location slice: a location text's incidents and harm in one stored cell and month. */
export interface LocationRow {
  cell: string;
  month: string;
  location: string;
  incidents: number;
  harm: number;
}

export interface LocationTotal {
  location: string;
  incidents: number;
  harm: number;
}

/**
 * The location texts ("On or near …") of one definition × scheme × force × sources cut, per stored
 * cell (res 12) and month, held once per data version so that the top locations of any set of areas
 * and period are one pass in memory. data.police.uk snaps incidents to anonymised points that each
 * carry one location text, so the rows number about as many as the snap points × months.
 * @example new LocationSlice(rows).top([['8a195da49b7ffff']], '2020-01', '2020-12', 5) // [[{ location, incidents, harm }, …]]
 */
export class LocationSlice {
  private readonly rows: LocationRow[];
  private readonly parents = new Map<number, Map<string, string>>();

  constructor(rows: LocationRow[]) {
    this.rows = rows;
  }

  private parentOf(cell: string, resolution: number): string {
    let m = this.parents.get(resolution);
    if (!m) {
      m = new Map();
      this.parents.set(resolution, m);
    }
    let p = m.get(cell);
    if (p === undefined) {
      p = cellToParent(cell, resolution);
      m.set(cell, p);
    }
    return p;
  }

  /**
   * For each area (a list of cells of one resolution 7–11), its `limit` most frequent locations over
   * the period, by incidents, then harm, then name — the order IncidentStore.topLocations gives.
   */
  top(areas: string[][], from: string, to: string, limit: number): LocationTotal[][] {
    const areaOf = new Map<string, number>();
    let resolution: number | null = null;
    areas.forEach((cells, k) =>
      cells.forEach((c) => {
        const r = getResolution(c);
        if (resolution !== null && r !== resolution) throw new Error(`areas mix resolutions ${resolution} and ${r}`);
        resolution = r;
        areaOf.set(c, k);
      }),
    );
    const sums = areas.map(() => new Map<string, LocationTotal>());
    if (resolution === null) return sums.map(() => []);
    for (const row of this.rows) {
      if (row.month < from || row.month > to) continue;
      const k = areaOf.get(this.parentOf(row.cell, resolution));
      if (k === undefined) continue;
      const t = sums[k]!.get(row.location);
      if (t) {
        t.incidents += row.incidents;
        t.harm += row.harm;
      } else sums[k]!.set(row.location, { location: row.location, incidents: row.incidents, harm: row.harm });
    }
    return sums.map((m) =>
      [...m.values()]
        .sort((a, b) => b.incidents - a.incidents || harmOrder(a, b) || (a.location < b.location ? -1 : a.location > b.location ? 1 : 0))
        .slice(0, limit),
    );
  }
}

/** More harm first; sums equal but for float rounding (the order of addition) count as ties. */
function harmOrder(a: LocationTotal, b: LocationTotal): number {
  return Math.abs(b.harm - a.harm) > 1e-6 * Math.max(1, Math.abs(a.harm)) ? b.harm - a.harm : 0;
}

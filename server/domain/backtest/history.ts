import type { Neighbours } from '../hotspots/neighbours';
import type { Month } from '../months';

/** Incident positions of one month, in metres on a local plane (see `localPlane`), with their counts and harm. */
export interface MonthPositions {
  x: Float64Array;
  y: Float64Array;
  incidents: Float64Array;
  harm: Float64Array;
}

/**
 * Everything a backtest reads: the study area's cells and, per consecutive month, the incidents and
 * harm of each cell (empty cells as zeros) and, where loaded, the incident positions (for kernel
 * density). Cell i of every array is `cells[i]`.
 */
export interface BacktestData {
  cells: string[];
  /** Area of each cell in km². */
  areaKm2: Float64Array;
  /** Cell centres on the same local plane as the positions, metres. */
  centreX: Float64Array;
  centreY: Float64Array;
  months: Month[];
  incidents: Float64Array[];
  harm: Float64Array[];
  positions: MonthPositions[] | null;
  /**
   * Every recorded crime and anti-social behaviour incident per cell and month, whatever the
   * definition (the leading indicator of the other-crime method); null or absent when not loaded.
   */
  allCrime?: Float64Array[] | null;
  /** H3 k = 1 neighbours (self included), built once on first use. */
  neighbours: () => Neighbours;
}

/** A selection tried to read a month at or after its origin: the months it is meant to predict. */
export class LookAheadError extends Error {
  constructor(
    readonly month: number,
    readonly origin: number,
    months: Month[],
  ) {
    super(`look-ahead: a selection at origin ${months[origin] ?? `#${origin}`} read ${months[month] ?? `#${month}`}, which is not before the origin`);
  }
}

/**
 * The months before an origin, and nothing else: every read of a month at or after the origin
 * throws, so no selection method can see the months it is scored on. `onRead` sees every month
 * read (the no-look-ahead test records them).
 * @example new History(data, 12).incidents(11) // month 11's counts; .incidents(12) throws LookAheadError
 */
export class History {
  constructor(
    readonly data: BacktestData,
    readonly origin: number,
    private readonly onRead?: (month: number, origin: number) => void,
  ) {
    if (!Number.isInteger(origin) || origin < 0 || origin > data.months.length) {
      throw new Error(`origin must be a month index from 0 to ${data.months.length}; got ${origin}`);
    }
  }

  private check(t: number): void {
    if (!Number.isInteger(t) || t < 0) throw new Error(`month index must be a whole number ≥ 0; got ${t}`);
    if (t >= this.origin) throw new LookAheadError(t, this.origin, this.data.months);
    this.onRead?.(t, this.origin);
  }

  incidents(t: number): Float64Array {
    this.check(t);
    return this.data.incidents[t]!;
  }
  harm(t: number): Float64Array {
    this.check(t);
    return this.data.harm[t]!;
  }

  allCrime(t: number): Float64Array {
    this.check(t);
    if (!this.data.allCrime) throw new Error('the counts of all recorded crime are not loaded, so other crime cannot lead');
    return this.data.allCrime[t]!;
  }

  positions(t: number): MonthPositions {
    this.check(t);
    if (!this.data.positions) throw new Error('incident positions are not loaded, so kernel density cannot be estimated');
    return this.data.positions[t]!;
  }

  /** The same history seen from an earlier origin (for choosing parameters on earlier months). */
  before(origin: number): History {
    return new History(this.data, Math.min(origin, this.origin), this.onRead);
  }

  /** The first month index of a window of `months` months before the origin (clipped at the first month loaded). */
  windowStart(months: number): number {
    return Math.max(0, this.origin - months);
  }

  /** Sum over the `months` months before the origin of incidents, harm or all recorded crime per cell, each month weighted by weight(age) (age 0 = the month before the origin). */
  sum(kind: 'incidents' | 'harm' | 'allCrime', months: number, weight: (age: number) => number = () => 1): Float64Array {
    const n = this.data.cells.length;
    const out = new Float64Array(n);
    for (let t = this.windowStart(months); t < this.origin; t++) {
      const v = kind === 'incidents' ? this.incidents(t) : kind === 'harm' ? this.harm(t) : this.allCrime(t);
      const w = weight(this.origin - 1 - t);
      if (w === 0) continue;
      for (let i = 0; i < n; i++) out[i]! += w * v[i]!;
    }
    return out;
  }
}

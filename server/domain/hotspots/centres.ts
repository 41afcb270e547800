import { cellToLatLng } from 'h3-js';

/** The centre of cell i as [latitude, longitude] in degrees. */
export type CentreLookup = (i: number) => readonly [number, number];

/** Mean Earth radius in metres (IUGG; the radius H3 uses for its distances). */
const EARTH_RADIUS_M = 6_371_007.180918475;

/**
 * Distance between two centres in metres, on the sphere by the haversine formula (Sinnott 1984,
 * Sky & Telescope 68(2)): the same figure as h3-js greatCircleDistance, without a call into WebAssembly,
 * for the many pairs an area builder compares.
 */
export function centreDistanceM(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const s1 = Math.sin(((b[0] - a[0]) * rad) / 2),
    s2 = Math.sin(((b[1] - a[1]) * rad) / 2);
  const h = s1 * s1 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * s2 * s2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The centres of H3 cells, found on demand and kept: a builder looks only around its areas, a few
 * thousand of up to a million cells.
 * @example const centre = centreLookup(cells); centre(0) // [lat, lng] of cells[0]
 */
export function centreLookup(cells: readonly string[]): CentreLookup {
  const kept = new Map<number, readonly [number, number]>();
  return (i) => {
    let c = kept.get(i);
    if (!c) {
      const [lat, lng] = cellToLatLng(cells[i]!);
      c = [lat, lng];
      kept.set(i, c);
    }
    return c;
  };
}

/** A point on a local plane, metres east and north of a reference latitude's meridian scale. */
type Xy = readonly [number, number];

/** Centres on a local equirectangular plane (x scaled by cos of `lat0`): within a force, shapes are kept to a fraction of a per cent. */
export function toPlane(c: readonly [number, number], lat0: number): Xy {
  const k = (Math.PI / 180) * EARTH_RADIUS_M;
  return [c[1] * k * Math.cos((lat0 * Math.PI) / 180), c[0] * k];
}

/** Convex hull of points (Andrew's monotone chain, Andrew 1979), counter-clockwise, without repeated points. */
export function convexHull(points: readonly Xy[]): Xy[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: Xy, a: Xy, b: Xy) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Xy[] = [],
    upper: Xy[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/**
 * Do two convex hulls (points, segments or polygons) share any point? By the separating-axis theorem:
 * two convex sets are apart exactly when their projections on some axis are; for polygons the edges'
 * normals are enough, for a segment its direction as well.
 */
export function hullsOverlap(a: readonly Xy[], b: readonly Xy[]): boolean {
  if (!a.length || !b.length) return false;
  const axes: Xy[] = [];
  for (const h of [a, b]) {
    if (h.length === 1) continue;
    for (let i = 0; i < h.length; i++) {
      const p = h[i]!,
        q = h[(i + 1) % h.length]!;
      axes.push([q[1] - p[1], p[0] - q[0]]);
      if (h.length === 2) axes.push([q[0] - p[0], q[1] - p[1]]);
    }
  }
  if (a.length === 1 && b.length === 1) return a[0]![0] === b[0]![0] && a[0]![1] === b[0]![1];
  for (const [ax, ay] of axes) {
    let aLo = Infinity,
      aHi = -Infinity,
      bLo = Infinity,
      bHi = -Infinity;
    for (const p of a) {
      const v = p[0] * ax + p[1] * ay;
      aLo = Math.min(aLo, v);
      aHi = Math.max(aHi, v);
    }
    for (const p of b) {
      const v = p[0] * ax + p[1] * ay;
      bLo = Math.min(bLo, v);
      bHi = Math.max(bHi, v);
    }
    // A margin of a millimetre: the hulls of cells a cell apart never come that close.
    if (aHi < bLo - 1e-3 || bHi < aLo - 1e-3) return false;
  }
  return true;
}

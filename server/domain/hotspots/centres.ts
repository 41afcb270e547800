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
  // Kept per cells array, as h3NeighbourLookup: every period of one study area shares the centres found.
  const known = centreLookups.get(cells);
  if (known) return known;
  const kept = new Map<number, readonly [number, number]>();
  const lookup: CentreLookup = (i) => {
    let c = kept.get(i);
    if (!c) {
      const [lat, lng] = cellToLatLng(cells[i]!);
      c = [lat, lng];
      kept.set(i, c);
    }
    return c;
  };
  centreLookups.set(cells, lookup);
  return lookup;
}

const centreLookups = new WeakMap<readonly string[], CentreLookup>();

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
  // The axes of the plane as well: they separate slivers of nearly collinear centres along their line,
  // where every edge normal is the same; extra axes never separate sets that meet.
  const axes: Xy[] = [
    [1, 0],
    [0, 1],
  ];
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

/** Area of a convex hull (shoelace formula), in the plane's units squared; 0 for a point or a segment. */
export function hullArea(h: readonly Xy[]): number {
  let twice = 0;
  for (let i = 0; i < h.length; i++) {
    const p = h[i]!,
      q = h[(i + 1) % h.length]!;
    twice += p[0] * q[1] - q[0] * p[1];
  }
  return h.length < 3 ? 0 : Math.abs(twice) / 2;
}

/** Perimeter of a convex hull: a segment's is twice its length (both sides), a point's 0. */
export function hullPerimeter(h: readonly Xy[]): number {
  if (h.length < 2) return 0;
  let p = 0;
  for (let i = 0; i < h.length; i++) p += Math.hypot(h[(i + 1) % h.length]![0] - h[i]![0], h[(i + 1) % h.length]![1] - h[i]![1]);
  return p;
}

/**
 * Roundness of a hull grown by a disc of radius r (its cells' own extent): Polsby–Popper 4πA/P² of the
 * grown shape, whose area and perimeter follow from the hull's by Steiner's formula (A + P·r + π·r²,
 * P + 2π·r). 1 for a lone cell (a disc), about 2π·r/L for a straight chain L long; never 0, so the
 * ratio of two is defined.
 */
export function grownHullRoundness(h: readonly Xy[], r: number): number {
  const a = hullArea(h),
    p = hullPerimeter(h);
  return (4 * Math.PI * (a + p * r + Math.PI * r * r)) / (p + 2 * Math.PI * r) ** 2;
}

/** Is point q inside the counter-clockwise convex hull h, or within `tol` of it (plane units)? */
export function insideHull(h: readonly Xy[], q: Xy, tol: number): boolean {
  if (h.length === 0) return false;
  if (h.length === 1) return Math.hypot(q[0] - h[0]![0], q[1] - h[0]![1]) <= tol;
  if (h.length === 2) {
    const [a, b] = h as [Xy, Xy];
    const dx = b[0] - a[0],
      dy = b[1] - a[1];
    const t = Math.max(0, Math.min(1, ((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(q[0] - a[0] - t * dx, q[1] - a[1] - t * dy) <= tol;
  }
  // Within the hull's box: a hull of nearly collinear centres is a sliver whose edges all lie on one
  // line, so the edge tests alone would take in every point of that line.
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const p of h) {
    x0 = Math.min(x0, p[0]);
    x1 = Math.max(x1, p[0]);
    y0 = Math.min(y0, p[1]);
    y1 = Math.max(y1, p[1]);
  }
  if (q[0] < x0 - tol || q[0] > x1 + tol || q[1] < y0 - tol || q[1] > y1 + tol) return false;
  for (let i = 0; i < h.length; i++) {
    const a = h[i]!,
      b = h[(i + 1) % h.length]!;
    // Signed distance of q to the left of edge a→b: the inside of a counter-clockwise hull.
    const cross = (b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0]);
    if (cross < -tol * Math.hypot(b[0] - a[0], b[1] - a[1])) return false;
  }
  return true;
}

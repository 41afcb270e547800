import Flatbush from 'flatbush';
import 'jsts/org/locationtech/jts/monkey.js';
import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js';
import GeoJSONReader from 'jsts/org/locationtech/jts/io/GeoJSONReader.js';
import GeoJSONWriter from 'jsts/org/locationtech/jts/io/GeoJSONWriter.js';
import IsValidOp from 'jsts/org/locationtech/jts/operation/valid/IsValidOp.js';

/**
 * Validity of a boundary set, by the OGC Simple Features rules as JTS implements them (JSTS, the
 * JavaScript port of the Java Topology Suite, whose C++ port is GEOS — the validity test behind
 * PostGIS ST_IsValid and Shapely `is_valid`). JTS names the fault and where it is: self-intersection,
 * nested shells, a hole outside its shell, too few points, an unclosed ring (the reader refuses it).
 *
 * Rules, applied to each set (one kind, one vintage) so an incident can never be in two areas:
 * 1. **Stray part.** A part (shell) of a multi-part area lying mostly (≥ 50 %) inside another area of
 *    the set is that neighbour's: the part is dropped and the neighbour is cut from the area's other
 *    parts. This is the outline with a second shell nested in its neighbour, and the hole written as
 *    a shell (the neighbour it surrounds given again as a shell).
 * 2. **Nested or overlapping shells** of one area (JTS "Nested shells", or parts crossing): a part
 *    wholly inside a larger part is read as a hole in it (the even-odd reading of the rings, as a
 *    renderer fills them); parts that overlap or touch along an edge are merged (union).
 * 3. Any other fault of one part (a ring crossing itself, a hole outside its shell, too few points)
 *    is **rejected**: guessing the intended outline of a self-crossing ring would move the boundary.
 * 4. **Overlap left between two areas** above `overlapTolerance` (default 0.1 %) of the smaller one's area is
 *    **rejected** for both, naming each other: generalised ONS outlines (BGC, 20 m) never overlap by
 *    more than slivers.
 * Areas are compared in degrees² (as shares only), which is exact enough for shares within one area.
 * @example validateBoundarySet([{ code: 'E01000001', geometry }]).issues // [] for a valid set
 */

/** One area of a set that is invalid, or overlaps another: what is wrong and what was done. */
export interface BoundaryIssue {
  code: string;
  /** What is wrong, in JTS's words with the position, or the overlap with its neighbour. */
  reason: string;
  action: 'repaired' | 'rejected';
  /** For repairs: the rule applied (see validateBoundarySet). */
  rule: string | null;
}

export type Polygonal = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

/** The part of the JSTS Geometry API used here (JSTS adds these methods at run time, "monkey.js"). */
interface JtsGeometry {
  getArea(): number;
  getNumGeometries(): number;
  getGeometryN(i: number): JtsGeometry;
  getEnvelopeInternal(): { getMinX(): number; getMinY(): number; getMaxX(): number; getMaxY(): number };
  isEmpty(): boolean;
  covers(g: JtsGeometry): boolean;
  intersects(g: JtsGeometry): boolean;
  intersection(g: JtsGeometry): JtsGeometry;
  difference(g: JtsGeometry): JtsGeometry;
  union(g: JtsGeometry): JtsGeometry;
  getGeometryType(): string;
}

const reader = new GeoJSONReader(new GeometryFactory());
const writer = new GeoJSONWriter();
const read = (g: unknown) => reader.read(g) as unknown as JtsGeometry;

export const RULES = {
  strayPart: "stray part: a part lying mostly inside a neighbour is the neighbour's, so it is dropped and the neighbour cut from the other parts",
  nestedShells: 'nested shells: a part wholly inside a larger part is read as a hole in it (even-odd), overlapping parts are merged',
} as const;

/** Why a geometry is invalid in JTS's words ("Nested shells at or near point (-1.13, 52.63)"), or null. */
export function invalidReason(geometry: unknown): string | null {
  let g: JtsGeometry;
  try {
    g = read(geometry);
  } catch (e) {
    return (e as Error).message;
  }
  const op = new IsValidOp(g as never);
  if (op.isValid()) return null;
  const err = op.getValidationError() as unknown as { getMessage(): string; getCoordinate(): { x: number; y: number } | null };
  const at = err.getCoordinate();
  return `${err.getMessage()}${at ? ` at or near (${round6(at.x)}, ${round6(at.y)})` : ''}`;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** The polygons of a JTS geometry (a Polygon, MultiPolygon or collection of them), empties dropped. */
function polygonsOf(g: JtsGeometry): JtsGeometry[] {
  const out: JtsGeometry[] = [];
  for (let i = 0; i < g.getNumGeometries(); i++) {
    const p = g.getGeometryN(i);
    if (p.getGeometryType() === 'Polygon' && !p.isEmpty() && p.getArea() > 0) out.push(p);
    else if (p.getGeometryType() !== 'Polygon' && p !== g) out.push(...polygonsOf(p));
  }
  return out;
}

function toGeoJson(parts: JtsGeometry[]): Polygonal {
  const polygons = parts.map((p) => (writer.write(p as never) as { coordinates: number[][][] }).coordinates);
  return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons };
}

/** Rule 2: fold the parts, largest first — a part covered by the result so far is a hole, else merged. */
function evenOddMerge(parts: JtsGeometry[]): JtsGeometry[] {
  const sorted = [...parts].sort((a, b) => b.getArea() - a.getArea());
  let acc = sorted[0]!;
  for (const p of sorted.slice(1)) acc = acc.covers(p) ? acc.difference(p) : acc.union(p);
  return polygonsOf(acc);
}

/** Area shared by two lists of polygons (each list valid on its own part by part). */
function sharedArea(a: JtsGeometry[], b: JtsGeometry[]): number {
  let s = 0;
  for (const p of a) for (const q of b) if (p.intersects(q)) s += p.intersection(q).getArea();
  return s;
}

function envelopeIndex(items: JtsGeometry[][]): Flatbush {
  const index = new Flatbush(Math.max(items.length, 1));
  for (const parts of items) {
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (const p of parts) {
      const e = p.getEnvelopeInternal();
      minX = Math.min(minX, e.getMinX());
      minY = Math.min(minY, e.getMinY());
      maxX = Math.max(maxX, e.getMaxX());
      maxY = Math.max(maxY, e.getMaxY());
    }
    if (parts.length === 0) index.add(0, 0, 0, 0);
    else index.add(minX, minY, maxX, maxY);
  }
  if (items.length === 0) index.add(0, 0, 0, 0);
  index.finish();
  return index;
}

/**
 * Checks and, by the rules above, repairs one boundary set. Returns the geometry to store for each
 * code that is not rejected, and every issue by code with its reason and the action taken.
 */
export function validateBoundarySet(
  features: { code: string; geometry: Polygonal }[],
  opts: { overlapTolerance?: number } = {},
): { geometries: Map<string, Polygonal>; issues: BoundaryIssue[] } {
  const tolerance = opts.overlapTolerance ?? 0.001;
  const issues: BoundaryIssue[] = [];
  const rejected = new Set<string>();
  const published = new Map<string, string | null>();
  // Parts of each area; a part invalid on its own (rule 3) rejects the area.
  const parts: JtsGeometry[][] = features.map((f) => {
    const reason = invalidReason(f.geometry);
    published.set(f.code, reason);
    if (!reason) return polygonsOf(read(f.geometry));
    const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const bad = polygons.map((c) => invalidReason({ type: 'Polygon', coordinates: c })).find((r) => r !== null);
    if (bad) {
      issues.push({ code: f.code, reason: bad, action: 'rejected', rule: null });
      rejected.add(f.code);
      return [];
    }
    return polygons.map((c) => read({ type: 'Polygon', coordinates: c }));
  });
  const changed = new Map<number, string>();
  // Rule 1: stray parts, judged on the parts as published.
  const index = envelopeIndex(parts);
  parts.forEach((own, i) => {
    if (own.length < 2) return;
    for (const part of [...own]) {
      const e = part.getEnvelopeInternal();
      for (const j of index.search(e.getMinX(), e.getMinY(), e.getMaxX(), e.getMaxY())) {
        if (j === i || parts[j]!.length === 0) continue;
        const share = sharedArea([part], parts[j]!) / part.getArea();
        if (share < 0.5) continue;
        const neighbour = features[j]!.code;
        const rest = parts[i]!.filter((p) => p !== part).flatMap((p) => {
          let cut = p;
          for (const q of parts[j]!) cut = cut.difference(q);
          return polygonsOf(cut);
        });
        parts[i] = rest;
        changed.set(i, `${published.get(features[i]!.code) ?? 'a part'} — ${Math.round(share * 100)} % of one part lies inside ${neighbour}`);
        break;
      }
    }
  });
  // Rule 2: nested or overlapping shells of one area.
  const geometries = new Map<string, Polygonal>();
  features.forEach((f, i) => {
    if (rejected.has(f.code)) return;
    const reason = published.get(f.code);
    let own = parts[i]!;
    if (own.length === 0) {
      issues.push({
        code: f.code,
        reason: `${reason ?? 'the outline'}: nothing is left once its parts inside neighbours are removed`,
        action: 'rejected',
        rule: null,
      });
      rejected.add(f.code);
      return;
    }
    if (reason || changed.has(i)) {
      if (invalidReason(toGeoJson(own))) own = evenOddMerge(own);
      const left = invalidReason(toGeoJson(own));
      if (left) {
        issues.push({ code: f.code, reason: `${reason}; still invalid after repair: ${left}`, action: 'rejected', rule: null });
        rejected.add(f.code);
        return;
      }
      parts[i] = own;
      issues.push({ code: f.code, reason: changed.get(i) ?? reason!, action: 'repaired', rule: changed.has(i) ? RULES.strayPart : RULES.nestedShells });
    }
    geometries.set(f.code, toGeoJson(own));
  });
  // Rule 4: overlaps left between areas.
  const kept = parts.map((p, i) => (rejected.has(features[i]!.code) ? [] : p));
  const finalIndex = envelopeIndex(kept);
  kept.forEach((own, i) => {
    if (own.length === 0) return;
    const area = own.reduce((s, p) => s + p.getArea(), 0);
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (const p of own) {
      const e = p.getEnvelopeInternal();
      minX = Math.min(minX, e.getMinX());
      minY = Math.min(minY, e.getMinY());
      maxX = Math.max(maxX, e.getMaxX());
      maxY = Math.max(maxY, e.getMaxY());
    }
    for (const j of finalIndex.search(minX, minY, maxX, maxY)) {
      if (j <= i || kept[j]!.length === 0) continue;
      const other = kept[j]!.reduce((s, p) => s + p.getArea(), 0);
      const shared = sharedArea(own, kept[j]!);
      const share = shared / Math.min(area, other);
      if (share <= tolerance) continue;
      const [a, b] = [features[i]!.code, features[j]!.code];
      const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
      issues.push({
        code: a,
        reason: `overlaps ${b}: ${pct(shared / area)} of ${a} and ${pct(shared / other)} of ${b}; an incident there would be in both`,
        action: 'rejected',
        rule: null,
      });
      issues.push({
        code: b,
        reason: `overlaps ${a}: ${pct(shared / other)} of ${b} and ${pct(shared / area)} of ${a}; an incident there would be in both`,
        action: 'rejected',
        rule: null,
      });
      geometries.delete(a);
      geometries.delete(b);
    }
  });
  return { geometries, issues };
}

import { area as turfArea, kinks } from '@turf/turf';

export type BoundaryKind = 'district' | 'ward' | 'lsoa';

/** How the ONS names its code columns: the kind and vintage of a boundary set follow from them. */
// Most specific first: a ward file also carries its district's code.
export const ONS_CODE_COLUMNS: Record<string, { kind: BoundaryKind; vintage: string; name: string; district?: string }> = {
  LSOA11CD: { kind: 'lsoa', vintage: '2011', name: 'LSOA11NM', district: 'LAD19CD' },
  LSOA21CD: { kind: 'lsoa', vintage: '2021', name: 'LSOA21NM', district: 'LADCD' },
  WD19CD: { kind: 'ward', vintage: '2019', name: 'WD19NM', district: 'LAD19CD' },
  WD22CD: { kind: 'ward', vintage: '2022', name: 'WD22NM', district: 'LAD22CD' },
  LAD19CD: { kind: 'district', vintage: '2019', name: 'LAD19NM' },
};

/**
 * The month from which each vintage is in force. ONS ward boundaries are dated December of their year;
 * the 2021 LSOAs came with the 2021 Census geography (published December 2021).
 */
export const VINTAGE_IN_FORCE: Record<string, string> = {
  'district:2019': '2019-12', 'ward:2019': '2019-12', 'ward:2022': '2022-12', 'lsoa:2011': '2011-12', 'lsoa:2021': '2021-12',
};

/**
 * The vintage an incident of a given month is matched to: the latest loaded vintage in force by that
 * month, or, for months before every loaded vintage, the earliest one (so 2018 incidents use the
 * December 2019 wards, the earliest loaded).
 */
export function vintageFor(kind: BoundaryKind, month: string, loaded: string[]): string | null {
  const sorted = [...loaded].sort((a, b) => (VINTAGE_IN_FORCE[`${kind}:${a}`] ?? `${a}-12`).localeCompare(VINTAGE_IN_FORCE[`${kind}:${b}`] ?? `${b}-12`));
  let pick: string | null = sorted[0] ?? null;
  for (const v of sorted) if ((VINTAGE_IN_FORCE[`${kind}:${v}`] ?? `${v}-12`) <= month) pick = v;
  return pick;
}

type Position = number[];
type Polygonal = { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };

/**
 * Checks a boundary geometry and returns the problems in plain words: only Polygon or MultiPolygon,
 * WGS84 longitude/latitude in Great Britain (a projected CRS such as British National Grid shows as
 * coordinates in metres), closed rings of at least four positions, and (unless `allowKinks`) no
 * self-intersection. Official ONS generalised boundaries keep a few rings that touch themselves, so
 * boundary imports report those as warnings; user-drawn zones and sites must be clean.
 */
export function geometryProblems(geometry: unknown, opts: { allowKinks?: boolean } = {}): string[] {
  const g = geometry as Polygonal | null;
  const type = (geometry as { type?: string } | null)?.type;
  if (!g || (type !== 'Polygon' && type !== 'MultiPolygon')) return [`geometry must be a Polygon or MultiPolygon; got ${type ?? 'none'}`];
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const problems: string[] = [];
  for (const rings of polygons) {
    for (const ring of rings) {
      if (!Array.isArray(ring) || ring.length < 4) { problems.push('a ring has fewer than 4 positions'); continue; }
      const [a, z] = [ring[0]!, ring[ring.length - 1]!];
      if (a[0] !== z[0] || a[1] !== z[1]) problems.push('a ring is not closed (its first and last positions differ)');
      for (const p of ring) {
        const [lon, lat] = p as [number, number];
        if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
          problems.push(`coordinates [${p.join(', ')}] are not WGS84 longitude/latitude (a projected CRS such as British National Grid gives metres); reproject to EPSG:4326`);
          return problems;
        }
        if (lon < -9 || lon > 2.5 || lat < 49 || lat > 61.5) { problems.push(`coordinates [${lon}, ${lat}] are outside Great Britain`); return problems; }
      }
    }
  }
  if (problems.length === 0 && !opts.allowKinks) {
    const crossings = kinks(g as never).features.length;
    if (crossings > 0) problems.push(`the outline crosses itself (${crossings} self-intersection${crossings > 1 ? 's' : ''})`);
  }
  return problems;
}

/** Area of a polygon in km² (geodesic, turf). */
export function areaKm2(geometry: Polygonal): number {
  return turfArea(geometry as never) / 1e6;
}

/** Number of self-intersections of a valid polygon (turf kinks). */
export function selfIntersections(geometry: Polygonal): number {
  return kinks(geometry as never).features.length;
}

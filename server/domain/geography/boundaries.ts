import { area as turfArea, kinks } from '@turf/turf';

export type BoundaryKind = 'district' | 'ward' | 'lsoa';

/**
 * A boundary set as the ONS publishes it: which kind of area, which vintage, and the columns holding
 * each feature's code, name and (for wards and LSOAs) district.
 */
export interface OnsColumns {
  kind: BoundaryKind;
  vintage: string;
  code: string;
  name: string;
  district: string | null;
}

/**
 * ONS code columns name the geography and its vintage year: `LAD22CD`/`LAD22NM` (districts, December
 * 2022), `WD19CD` (wards, December 2019), `LSOA11CD`/`LSOA21CD` (the 2011 and 2021 Census LSOAs).
 * Vintages from 2011 are recognised. The most specific column decides the kind (a ward file also
 * carries its district's code); a ward or LSOA takes its district from a `LADyyCD` column (the ward's
 * own year first) or an undated `LADCD`.
 * @example onsColumnsOf(['WD22CD', 'WD22NM', 'LAD22CD', 'LAD22NM'])
 *   // { kind: 'ward', vintage: '2022', code: 'WD22CD', name: 'WD22NM', district: 'LAD22CD' }
 * @returns the columns, or an error in plain words naming the columns found
 */
export function onsColumnsOf(properties: string[]): OnsColumns | { error: string } {
  const dated = (prefix: string) =>
    properties
      .map((p) => new RegExp(`^${prefix}(\\d{2})CD$`).exec(p))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) >= 11)
      .map((m) => ({ column: m[0], yy: m[1]! }));
  for (const [kind, prefix] of [
    ['lsoa', 'LSOA'],
    ['ward', 'WD'],
    ['district', 'LAD'],
  ] as const) {
    const found = dated(prefix);
    if (found.length === 0) continue;
    if (found.length > 1)
      return { error: `more than one ${kind} code column (${found.map((f) => f.column).join(', ')}): keep the one of the vintage these outlines are` };
    const { column, yy } = found[0]!;
    const name = `${prefix}${yy}NM`;
    if (!properties.includes(name)) return { error: `${column} has no name column ${name} beside it` };
    let district: string | null = null;
    if (kind !== 'district') {
      const lads = dated('LAD').map((f) => f.column);
      district = lads.find((c) => c === `LAD${yy}CD`) ?? lads.sort().at(-1) ?? (properties.includes('LADCD') ? 'LADCD' : null);
    }
    return { kind, vintage: `20${yy}`, code: column, name, district };
  }
  return {
    error: `no ONS code column (LADyyCD, WDyyCD, LSOA11CD or LSOA21CD, as the ONS Open Geography Portal names them); the properties are ${properties.slice(0, 12).join(', ') || 'none'}`,
  };
}

/** The ONS code prefixes of each kind of area: England (E) and Wales (W). */
export const CODE_PREFIXES: Record<BoundaryKind, string[]> = {
  // Unitary authorities, shire districts, metropolitan districts, London boroughs; Welsh unitary authorities.
  district: ['E06', 'E07', 'E08', 'E09', 'W06'],
  ward: ['E05', 'W05'],
  lsoa: ['E01', 'W01'],
};

/** Why a code is not an ONS code of this kind, or null when it is one. */
export function codeProblem(kind: BoundaryKind, code: string): string | null {
  const prefixes = CODE_PREFIXES[kind];
  if (/^[EW]\d{8}$/.test(code) && prefixes.includes(code.slice(0, 3))) return null;
  return `not an ONS ${kind} code (${prefixes.join(', ')} followed by 6 digits, e.g. ${prefixes[0]}000001)`;
}

/**
 * The month from which a vintage is in force: ONS boundary sets are dated December of their year
 * ("Wards (December 2022)", "LSOA (December 2021)"), so vintage 2022 applies from 2022-12.
 */
export function inForceFrom(vintage: string): string {
  if (!/^\d{4}$/.test(vintage)) throw new Error(`a boundary vintage is a year, e.g. 2019; got "${vintage}"`);
  return `${vintage}-12`;
}

/**
 * The vintage an incident of a given month is matched to: the latest loaded vintage in force by that
 * month, or, for months before every loaded vintage, the earliest one (so 2018 incidents use the
 * December 2019 wards when those are the earliest loaded). Works for any set of loaded vintages.
 * @example vintageFor('ward', '2023-01', ['2019', '2022']) // '2022'
 * @example vintageFor('ward', '2018-05', ['2019', '2022']) // '2019'
 */
export function vintageFor(kind: BoundaryKind, month: string, loaded: string[]): string | null {
  if (!/^\d{4}-\d{2}$/.test(month)) throw new Error(`${kind} vintage: the month must be YYYY-MM; got "${month}"`);
  const sorted = [...new Set(loaded)].sort((a, b) => inForceFrom(a).localeCompare(inForceFrom(b)));
  let pick: string | null = sorted[0] ?? null;
  for (const v of sorted) if (inForceFrom(v) <= month) pick = v;
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
      if (!Array.isArray(ring) || ring.length < 4) {
        problems.push('a ring has fewer than 4 positions');
        continue;
      }
      const [a, z] = [ring[0]!, ring[ring.length - 1]!];
      if (a[0] !== z[0] || a[1] !== z[1]) problems.push('a ring is not closed (its first and last positions differ)');
      for (const p of ring) {
        const [lon, lat] = p as [number, number];
        if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
          problems.push(
            `coordinates [${p.join(', ')}] are not WGS84 longitude/latitude (a projected CRS such as British National Grid gives metres); reproject to EPSG:4326`,
          );
          return problems;
        }
        if (lon < -9 || lon > 2.5 || lat < 49 || lat > 61.5) {
          problems.push(`coordinates [${lon}, ${lat}] are outside Great Britain`);
          return problems;
        }
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

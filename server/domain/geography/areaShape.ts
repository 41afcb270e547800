import Flatbush from 'flatbush';
import { area as turfArea, bbox as turfBbox, booleanPointInPolygon, buffer as turfBuffer, feature, featureCollection, intersect } from '@turf/turf';
import type { PointGeometry, Polygonal } from './places';

/**
 * The box [west, south, east, north] around a geometry.
 * @example boxOf({ type: 'Polygon', coordinates: [[[-2.99, 53.40], [-2.98, 53.40], [-2.98, 53.41], [-2.99, 53.40]]] }) // [-2.99, 53.40, -2.98, 53.41]
 */
export function boxOf(geometry: Polygonal | PointGeometry): [number, number, number, number] {
  if (!geometry || !('coordinates' in geometry)) throw new Error('boxOf needs a GeoJSON geometry');
  return turfBbox(geometry as never) as [number, number, number, number];
}

/**
 * The positions that lie inside (or on the edge of) an outline: exact point in polygon (turf) of
 * each candidate. Used for zones, sites and posted polygons, whose incidents are not tagged.
 * @example pointsInside([{ lon: -2.985, lat: 53.405 }], boldStreetZone) // [{ lon: -2.985, lat: 53.405 }]
 */
export function pointsInside<P extends { lon: number; lat: number }>(points: P[], geometry: Polygonal): P[] {
  if (geometry?.type !== 'Polygon' && geometry?.type !== 'MultiPolygon') throw new Error('pointsInside needs a Polygon or MultiPolygon');
  return points.filter((p) => booleanPointInPolygon([p.lon, p.lat], geometry as never));
}

/**
 * A site's outline with its buffer: turf's geodesic buffer (64 steps per quarter circle would be
 * overkill; 16 keep a 1 km ring within 2 m of the true circle). A polygon without a buffer is itself.
 * @example siteOutline({ type: 'Point', coordinates: [-2.98, 53.40] }, 250) // a 250 m ring as a Polygon
 */
export function siteOutline(geometry: Polygonal | PointGeometry, bufferMetres: number | null): Polygonal {
  if (bufferMetres !== null && (!Number.isFinite(bufferMetres) || bufferMetres < 0)) throw new Error(`bufferMetres must be ≥ 0; got ${bufferMetres}`);
  if (!bufferMetres) {
    if (geometry.type === 'Point') throw new Error('a point site needs a buffer of more than 0 metres');
    return geometry;
  }
  const out = turfBuffer(feature(geometry as never), bufferMetres, { units: 'meters', steps: 16 });
  if (!out) throw new Error('the buffer of this site is empty');
  return out.geometry as Polygonal;
}

export interface PopulatedArea {
  code: string;
  geometry: Polygonal;
  population: number;
}

/**
 * Residents of a drawn outline, estimated by areal weighting: each LSOA contributes its population
 * times the share of its area inside the outline (residents assumed spread evenly over the LSOA).
 * Candidates come from an R-tree of the LSOAs' boxes; the overlap is turf `intersect`.
 * Reference: Goodchild & Lam (1980), areal interpolation.
 * @returns the estimate and the LSOAs it used, with the share of each inside
 */
export function arealPopulation(outline: Polygonal, lsoas: PopulatedArea[]): { population: number; lsoas: { code: string; share: number }[] } {
  if (lsoas.length === 0) return { population: 0, lsoas: [] };
  const index = new Flatbush(lsoas.length);
  for (const l of lsoas) {
    const b = boxOf(l.geometry);
    index.add(b[0], b[1], b[2], b[3]);
  }
  index.finish();
  const b = boxOf(outline);
  let population = 0;
  const used: { code: string; share: number }[] = [];
  for (const i of index.search(b[0], b[1], b[2], b[3])) {
    const l = lsoas[i]!;
    const overlap = intersect(featureCollection([feature(outline as never), feature(l.geometry as never)]) as never);
    if (!overlap) continue;
    const share = Math.min(1, turfArea(overlap) / turfArea(l.geometry as never));
    if (share <= 0) continue;
    population += share * l.population;
    used.push({ code: l.code, share });
  }
  return { population, lsoas: used.sort((x, y) => y.share - x.share || x.code.localeCompare(y.code)) };
}

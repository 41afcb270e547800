import { buffer as turfBuffer, difference, feature, featureCollection } from '@turf/turf';
import type { Polygonal } from './places';

/**
 * The displacement buffer: the ring of `metres` around an area, the area itself left out (turf's
 * geodesic buffer of the outline, minus the outline). Incidents displaced from an area are looked for
 * here (Bowers & Johnson 2003 use a ring adjoining the target area).
 * @example bufferRing(zone, 250) // a MultiPolygon or Polygon ring 250 m wide around the zone
 */
export function bufferRing(outline: Polygonal, metres: number): { ring: Polygonal; outer: Polygonal } {
  if (outline?.type !== 'Polygon' && outline?.type !== 'MultiPolygon') throw new Error('bufferRing needs a Polygon or MultiPolygon');
  if (!Number.isFinite(metres) || metres <= 0) throw new Error(`metres must be > 0; got ${metres}`);
  const outer = turfBuffer(feature(outline as never), metres, { units: 'meters', steps: 16 });
  if (!outer) throw new Error('the buffer of this area is empty');
  const ring = difference(featureCollection([outer as never, feature(outline as never)]) as never);
  if (!ring) throw new Error('the buffer ring is empty');
  return { ring: (ring as { geometry: Polygonal }).geometry, outer: outer.geometry as Polygonal };
}

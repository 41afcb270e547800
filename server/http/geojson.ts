import { z, type ZodType } from 'zod';

/*
 * GeoJSON (RFC 7946) as requests and answers carry it: WGS84 longitude/latitude in degrees. These
 * schemas give the shape only; whether an outline is usable (closed rings of 4+ positions, no
 * self-intersection, WGS84, inside Great Britain, size) is checked by domain/geography (places.ts,
 * validity.ts), which names the problem in words a schema cannot.
 */

export const position = z.array(z.number()).describe('[longitude, latitude] in WGS84 degrees');
const ring = z.array(position).describe('a linear ring: at least 4 positions, the last equal to the first');

export const point = z.object({ type: z.literal('Point'), coordinates: position }).meta({ id: 'GeoJsonPoint' });
export const polygon = z
  .object({ type: z.literal('Polygon'), coordinates: z.array(ring).describe('the outer ring, then any holes') })
  .meta({ id: 'GeoJsonPolygon' });
export const multiPolygon = z
  .object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring)).describe('polygons, each its outer ring then any holes') })
  .meta({ id: 'GeoJsonMultiPolygon' });

/** An outline: a Polygon or a MultiPolygon. */
export const polygonal = z.discriminatedUnion('type', [polygon, multiPolygon], { error: 'must be a GeoJSON Polygon or MultiPolygon' });
/** A place: a Point or an outline. */
export const pointOrPolygonal = z.discriminatedUnion('type', [point, polygon, multiPolygon], {
  error: 'must be a GeoJSON Point, Polygon or MultiPolygon',
});

/** A Feature of `geometry` with `properties`; extend it with `id` where the feature has one (a stored record's id, a boundary's code). */
export const feature = <G extends ZodType, P extends ZodType>(geometry: G, properties: P) => z.object({ type: z.literal('Feature'), geometry, properties });

/** A FeatureCollection of `featureSchema`. */
export const featureCollection = <F extends ZodType>(featureSchema: F) => z.object({ type: z.literal('FeatureCollection'), features: z.array(featureSchema) });

/** Properties of a Feature posted to harmgrid: read by the domain's checks, which name a wrong field. */
export const postedProperties = z.record(z.string(), z.unknown()).nullish();

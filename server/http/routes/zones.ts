import { z } from 'zod';
import { recordId } from '../schemas';
import { zoneFeature, type AreaService } from '../../services/areas';
import type { Api } from '../api';
import { HttpError } from '../httpError';
import { analysisQuery } from '../schemas';
import { forceParam } from '../schemas';
import { feature, featureCollection, pointOrPolygonal, polygonal, postedProperties } from '../geojson';
import { areaStatisticsFeature, importCounts, zoneCollection, zoneFeature as zoneFeatureSchema } from '../areaSchemas';

/** A GeoJSON file of zones or sites to import: each feature's properties are read (and refused by field) by the domain's checks. */
export const postedCollection = featureCollection(
  feature(pointOrPolygonal, postedProperties)
    .extend({ id: z.union([z.number(), z.string()]).optional().describe("a stored record's id: that record is updated") })
    .loose(),
).loose();
export const idParam = z.object({ id: recordId });
export const areaStatsQuery = analysisQuery.omit({ resolution: true }).strict();

const zoneBody = z
  .object({
    name: z.string().describe('unique name'),
    partnership: z.string().nullish(),
    clearStart: z.string().describe('YYYY-MM-DD'),
    holdStart: z.string().nullish().describe('YYYY-MM-DD, not before clearStart'),
    buildStart: z.string().nullish().describe('YYYY-MM-DD, not before holdStart'),
    notes: z.string().nullish(),
    geometry: polygonal.describe('WGS84, no self-intersection, 0.01–60 km²'),
  })
  .loose();
/** A zone, or a GeoJSON Feature whose properties hold the fields. */
const zoneInput = z.union([zoneBody, feature(polygonal, postedProperties).loose()]).describe('a zone, or a GeoJSON Feature whose properties hold the fields');

/** A GeoJSON Feature body becomes { ...properties, geometry }. */
export const flatten = (body: unknown): unknown => {
  const b = body as { type?: string; properties?: Record<string, unknown>; geometry?: unknown };
  return b?.type === 'Feature' ? { ...(b.properties ?? {}), geometry: b.geometry } : body;
};

/** Clear-Hold-Build zones: CRUD, GeoJSON import and export, statistics per phase. No zone ships with harmgrid. */
export function zoneRoutes(api: Api, areas: AreaService): void {
  api.add({
    method: 'get',
    path: '/api/zones',
    tag: 'zones',
    access: 'read',
    summary: 'Clear-Hold-Build zones as GeoJSON (of one force with force=)',
    query: z.object({ force: forceParam }).strict(),
    response: { description: 'GeoJSON FeatureCollection', schema: zoneCollection, contentType: 'application/geo+json' },
    handler: async ({ query, res }) => {
      res.type('application/geo+json');
      return { type: 'FeatureCollection', features: (await areas.ofForce(await areas.places.zones(), query.force)).map(zoneFeature) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/zones.geojson',
    tag: 'exports',
    access: 'export',
    summary: 'Zones as a GeoJSON file (imports back unchanged through POST /api/zones/import)',
    response: { description: 'GeoJSON FeatureCollection download', schema: zoneCollection, contentType: 'application/geo+json' },
    handler: async ({ res }) => {
      res.type('application/geo+json').attachment('harmgrid-zones.geojson');
      return { type: 'FeatureCollection', features: (await areas.places.zones()).map(zoneFeature) };
    },
  });

  api.add({
    method: 'post',
    path: '/api/zones',
    tag: 'zones',
    access: 'write',
    summary: 'Create a zone',
    body: zoneInput,
    response: { description: 'the zone as a GeoJSON Feature', schema: zoneFeatureSchema },
    handler: async ({ body, res }) => {
      const zone = await areas.createZone(flatten(body));
      res.status(201);
      return zoneFeature(zone);
    },
  });

  api.add({
    method: 'post',
    path: '/api/zones/import',
    tag: 'zones',
    access: 'write',
    summary: 'Import zones from a GeoJSON FeatureCollection, all or none',
    description:
      'Properties: name, partnership, clearStart, holdStart, buildStart, notes. A feature whose id is a stored zone updates it; others create zones. Every problem is listed with its feature and field; nothing is stored when any feature is invalid.',
    body: postedCollection,
    response: { description: 'how many zones were created and updated, and the zones', schema: zoneCollection.extend(importCounts) },
    handler: async ({ body }) => {
      const r = await areas.importZones(body);
      return { created: r.created, updated: r.updated, type: 'FeatureCollection', features: r.zones.map(zoneFeature) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/zones/:id',
    tag: 'zones',
    access: 'read',
    summary: 'One zone as a GeoJSON Feature',
    params: idParam,
    response: { description: 'GeoJSON Feature', schema: zoneFeatureSchema, contentType: 'application/geo+json' },
    handler: async ({ params, res }) => {
      const zone = await areas.places.getZone(params.id);
      if (!zone) throw new HttpError(404, `no zone #${params.id}`);
      res.type('application/geo+json');
      return zoneFeature(zone);
    },
  });

  api.add({
    method: 'put',
    path: '/api/zones/:id',
    tag: 'zones',
    access: 'write',
    summary: 'Replace a zone',
    params: idParam,
    body: zoneInput,
    response: { description: 'the zone as a GeoJSON Feature', schema: zoneFeatureSchema },
    handler: async ({ params, body }) => zoneFeature(await areas.updateZone(params.id, flatten(body))),
  });

  api.add({
    method: 'delete',
    path: '/api/zones/:id',
    tag: 'zones',
    access: 'write',
    summary: 'Delete a zone',
    params: idParam,
    response: { description: 'deleted', schema: z.object({ deleted: z.number() }) },
    handler: async ({ params }) => {
      if (!(await areas.places.deleteZone(params.id))) throw new HttpError(404, `no zone #${params.id}`);
      return { deleted: params.id };
    },
  });

  api.add({
    method: 'get',
    path: '/api/zones/:id/statistics',
    tag: 'zones',
    access: 'read',
    cache: true,
    summary: 'Statistics of a zone, with each Clear-Hold-Build phase against its baseline and the force-wide change',
    description:
      'Over every loaded month. Per phase: incidents per month against "before clear" (exact conditional Poisson test), the same for the force, and the ratio of rate ratios (< 1: the zone did better than the force).',
    params: idParam,
    query: analysisQuery
      .omit({ resolution: true, from: true, to: true })
      .extend({
        baselineMonths: z.coerce.number().int().min(1).max(36).default(12).describe('months before the clear start that make the baseline'),
      })
      .strict(),
    response: {
      description: 'GeoJSON Feature: the zone outline with its statistics as properties',
      schema: areaStatisticsFeature,
      contentType: 'application/geo+json',
    },
    handler: async ({ params, query, res }) => {
      const { baselineMonths, ...rest } = query;
      const { outline, ...stats } = await areas.zoneStatistics(params.id, rest, baselineMonths);
      res.type('application/geo+json');
      return { type: 'Feature', geometry: outline, properties: stats };
    },
  });
}

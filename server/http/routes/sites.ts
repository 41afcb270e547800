import { z } from 'zod';
import { siteFeature, type AreaService } from '../../services/areas';
import type { Api } from '../api';
import { HttpError } from '../httpError';
import type { Role } from '../access';
import { areaStatsQuery, flatten, idParam, postedCollection } from './zones';
import { feature, pointOrPolygonal, postedProperties } from '../geojson';
import { areaStatisticsFeature, importCounts, siteCollection, siteFeature as siteFeatureSchema } from '../areaSchemas';
import { forceParam } from '../schemas';

const siteBody = z
  .object({
    name: z.string(),
    bufferMetres: z.number().nullish().describe('0–2000 m; required for a point'),
    notes: z.string().nullish(),
    geometry: pointOrPolygonal.describe('WGS84'),
  })
  .loose();
const siteInput = z
  .union([siteBody, feature(pointOrPolygonal, postedProperties).loose()])
  .describe('a site, or a GeoJSON Feature whose properties hold the fields');

/** Designing-out-crime officers draw and edit the sites they review, as analysts do. */
const SITE_EDITORS: readonly Role[] = ['administrator', 'analyst', 'designing-out-crime-officer'];

/** Sites under review (regeneration sites, any place): CRUD, GeoJSON import and export, statistics. */
export function siteRoutes(api: Api, areas: AreaService): void {
  api.add({
    method: 'get',
    path: '/api/sites',
    tag: 'sites',
    access: 'read',
    summary: 'Sites as GeoJSON (of one force with force=)',
    query: z.object({ force: forceParam }).strict(),
    response: { description: 'GeoJSON FeatureCollection', schema: siteCollection, contentType: 'application/geo+json' },
    handler: async ({ query, res }) => {
      res.type('application/geo+json');
      return { type: 'FeatureCollection', features: (await areas.ofForce(await areas.places.sites(), query.force)).map(siteFeature) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/sites.geojson',
    tag: 'exports',
    access: 'export',
    summary: 'Sites as a GeoJSON file (imports back unchanged through POST /api/sites/import)',
    response: { description: 'GeoJSON FeatureCollection download', schema: siteCollection, contentType: 'application/geo+json' },
    handler: async ({ res }) => {
      res.type('application/geo+json').attachment('harmgrid-sites.geojson');
      return { type: 'FeatureCollection', features: (await areas.places.sites()).map(siteFeature) };
    },
  });

  api.add({
    method: 'post',
    path: '/api/sites',
    tag: 'sites',
    access: 'write',
    roles: SITE_EDITORS,
    summary: 'Create a site',
    body: siteInput,
    response: { description: 'the site as a GeoJSON Feature', schema: siteFeatureSchema },
    handler: async ({ body, res }) => {
      const site = await areas.createSite(flatten(body));
      res.status(201);
      return siteFeature(site);
    },
  });

  api.add({
    method: 'post',
    path: '/api/sites/import',
    tag: 'sites',
    access: 'write',
    roles: SITE_EDITORS,
    summary: 'Import sites from a GeoJSON FeatureCollection, all or none',
    body: postedCollection,
    response: { description: 'how many sites were created and updated, and the sites', schema: siteCollection.extend(importCounts) },
    handler: async ({ body }) => {
      const r = await areas.importSites(body);
      return { created: r.created, updated: r.updated, type: 'FeatureCollection', features: r.sites.map(siteFeature) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/sites/:id',
    tag: 'sites',
    access: 'read',
    summary: 'One site as a GeoJSON Feature',
    params: idParam,
    response: { description: 'GeoJSON Feature', schema: siteFeatureSchema, contentType: 'application/geo+json' },
    handler: async ({ params, res }) => {
      const site = await areas.places.getSite(params.id);
      if (!site) throw new HttpError(404, `no site #${params.id}`);
      res.type('application/geo+json');
      return siteFeature(site);
    },
  });

  api.add({
    method: 'put',
    path: '/api/sites/:id',
    tag: 'sites',
    access: 'write',
    roles: SITE_EDITORS,
    summary: 'Replace a site',
    params: idParam,
    body: siteInput,
    response: { description: 'the site as a GeoJSON Feature', schema: siteFeatureSchema },
    handler: async ({ params, body }) => siteFeature(await areas.updateSite(params.id, flatten(body))),
  });

  api.add({
    method: 'delete',
    path: '/api/sites/:id',
    tag: 'sites',
    access: 'write',
    roles: SITE_EDITORS,
    summary: 'Delete a site',
    params: idParam,
    response: { description: 'deleted', schema: z.object({ deleted: z.number() }) },
    handler: async ({ params }) => {
      if (!(await areas.places.deleteSite(params.id))) throw new HttpError(404, `no site #${params.id}`);
      return { deleted: params.id };
    },
  });

  api.add({
    method: 'get',
    path: '/api/sites/:id/statistics',
    tag: 'sites',
    access: 'read',
    cache: true,
    summary: 'Statistics of a site (with its buffer)',
    params: idParam,
    query: areaStatsQuery,
    response: {
      description: 'GeoJSON Feature: the buffered outline with its statistics as properties',
      schema: areaStatisticsFeature,
      contentType: 'application/geo+json',
    },
    handler: async ({ params, query, res }) => {
      const { outline, ...stats } = await areas.statistics({ kind: 'site', id: params.id }, query);
      res.type('application/geo+json');
      return { type: 'Feature', geometry: outline, properties: stats };
    },
  });
}

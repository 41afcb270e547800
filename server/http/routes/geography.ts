import { z } from 'zod';
import type { Db } from '../../db/connection';
import { areaDeprivation } from '../../domain/geography/deprivation';
import { validateSite } from '../../domain/geography/places';
import type { Analysis } from '../../services/analysis';
import { AreaService } from '../../services/areas';
import type { Api } from '../api';
import { siteRoutes } from './sites';
import { areaStatsQuery, feature, zoneRoutes } from './zones';
import { HttpError } from '../httpError';
import { round } from './hotspots';

export function geographyRoutes(api: Api, analysis: Analysis): void {
  const geo = analysis.geography;

  api.add({
    method: 'get', path: '/api/geography', tag: 'geography', access: 'public',
    summary: 'Boundary sets loaded (with their vintages) and how many incidents fall inside the study area',
    response: { description: 'vintages and tagging counts', schema: z.any() },
    handler: async () => ({
      boundaries: await geo.vintages(),
      vintageRule: 'each incident is matched to the latest vintage in force in its month (wards dated December of their year; LSOA 2021 from December 2021), or the earliest loaded before that',
      incidents: await analysis.incidents.studyAreaCounts(),
    }),
  });

  api.add({
    method: 'get', path: '/api/boundaries', tag: 'geography', access: 'public',
    summary: 'Districts, wards or LSOAs of one vintage as GeoJSON',
    query: z.object({ kind: z.enum(['district', 'ward', 'lsoa']), vintage: z.string().regex(/^\d{4}$/).optional() }).strict(),
    response: { description: 'GeoJSON FeatureCollection', schema: z.any(), contentType: 'application/geo+json' },
    handler: async ({ query, res }) => {
      const rows = await geo.boundaries(query.kind, query.vintage);
      if (rows.length === 0) throw new HttpError(404, `no ${query.kind} boundaries${query.vintage ? ` of vintage ${query.vintage}` : ''} are loaded`);
      res.type('application/geo+json');
      return {
        type: 'FeatureCollection',
        features: rows.map((b) => ({ type: 'Feature', id: b.code, geometry: b.geometry, properties: { code: b.code, name: b.name, kind: b.kind, vintage: b.vintage, districtCode: b.districtCode, areaKm2: round(b.areaKm2) } })),
      };
    },
  });

  api.add({
    method: 'get', path: '/api/deprivation', tag: 'geography', access: 'public',
    summary: 'Deprivation of wards (December 2019) or districts from the English Indices of Deprivation 2019',
    description: 'Population-weighted mean IMD rank; share of LSOAs and of residents in the most deprived national decile; the same for the Crime domain. LSOAs go to wards by the ONS best-fit lookup. Wards also carry the published third-party aggregates.',
    query: z.object({ level: z.enum(['ward', 'district']).default('ward') }).strict(),
    response: { description: 'one row per area', schema: z.any() },
    handler: async ({ query }) => {
      const [lsoas, lookup, published] = await Promise.all([geo.deprivation(), geo.lookup(), geo.publishedWards()]);
      if (lsoas.length === 0) throw new HttpError(404, 'the Indices of Deprivation are not loaded; import the deprivation folder');
      const names = new Map<string, string>();
      const areaOf = new Map<string, string>();
      if (query.level === 'ward') {
        if (lookup.length === 0) throw new HttpError(404, 'the LSOA → ward lookup is not loaded; import the boundaries folder');
        for (const l of lookup) { areaOf.set(l.lsoaCode, l.wardCode); names.set(l.wardCode, `${l.wardName}, ${l.districtName}`); }
      } else {
        for (const l of lsoas) areaOf.set(l.lsoaCode, l.districtCode);
        for (const l of lookup) names.set(l.districtCode, l.districtName);
      }
      const pub = new Map(published.map((p) => [p.wardCode, p.values]));
      return {
        level: query.level,
        source: 'English Indices of Deprivation 2019 (MHCLG), LSOA 2011; population mid-2015 excluding prisoners',
        lookup: query.level === 'ward' ? 'ONS best-fit LSOA 2011 → ward December 2019: an LSOA straddling wards counts wholly in one' : null,
        areas: areaDeprivation(lsoas, areaOf).map((a) => {
          const p = query.level === 'ward' ? pub.get(a.code) : undefined;
          return {
            ...a, name: names.get(a.code) ?? a.code, meanImdRank: round(a.meanImdRank, 1), meanCrimeRank: round(a.meanCrimeRank, 1),
            published: p ? { source: 'humaniverse/IMD ward aggregates (British Red Cross), computed from MHCLG File 7: not official statistics', score: p.Score, proportion: p.Proportion, extent: p.Extent, crimeProportion: p.Crime_Proportion } : null,
          };
        }),
      };
    },
  });
}

const cellList = z.array(z.string().min(1).max(20)).min(1).max(20000);

/**
 * Statistics for any area (district, ward, LSOA, H3 cells of an HCHH area, or a posted outline), the
 * names of HCHH areas, and the zone and site routes.
 */
export function areaRoutes(api: Api, db: Db, analysis: Analysis): void {
  const areas = new AreaService(db, analysis);
  zoneRoutes(api, areas);
  siteRoutes(api, areas);

  api.add({
    method: 'get', path: '/api/areas/:kind/:code/statistics', tag: 'geography', access: 'read',
    summary: 'Statistics of a district, ward or LSOA',
    description: 'Incidents and harm under the definition and scheme, rate per 1,000 residents (mid-2015, IoD 2019), offence mix, monthly series with zeros, the last 3 months against the previous 3 and the same months a year earlier (exact conditional Poisson test), deprivation, and the boundary vintages the incidents were tagged with.',
    params: z.object({ kind: z.enum(['district', 'ward', 'lsoa']), code: z.string().regex(/^E0[1258]\d{6}$/, 'an ONS code, e.g. E05000886') }),
    query: areaStatsQuery,
    response: { description: 'GeoJSON Feature: the outline with its statistics as properties', schema: feature, contentType: 'application/geo+json' },
    handler: async ({ params, query, res }) => {
      const { outline, ...stats } = await areas.statistics({ kind: params.kind, code: params.code }, query);
      res.type('application/geo+json');
      return { type: 'Feature', geometry: outline, properties: stats };
    },
  });

  api.add({
    method: 'post', path: '/api/areas/statistics', tag: 'geography', access: 'read',
    summary: 'Statistics of H3 cells (an HCHH area) or of an outline posted ad hoc',
    description: 'Body: { cells: [...] } or { geometry: Polygon | MultiPolygon } (or a GeoJSON Feature). Population and deprivation of drawn areas are estimated by areal weighting of the 2011 LSOAs.',
    query: areaStatsQuery,
    body: z.object({ cells: cellList.optional(), geometry: z.any().optional(), type: z.string().optional(), properties: z.any().optional() })
      .refine((b) => Boolean(b.cells) !== Boolean(b.geometry), { message: 'give either cells or geometry' }),
    response: { description: 'GeoJSON Feature: the outline with its statistics as properties', schema: feature, contentType: 'application/geo+json' },
    handler: async ({ body, query, res }) => {
      let spec: Parameters<AreaService['statistics']>[0];
      if (body.cells) spec = { kind: 'cells', cells: body.cells };
      else {
        const v = validateSite({ name: 'posted', geometry: body.geometry });
        if (!v.site || v.site.geometry.type === 'Point') {
          const problems = v.site ? [{ field: 'geometry', message: 'must be a Polygon or MultiPolygon' }] : v.problems;
          throw new HttpError(400, `invalid body: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems.map((p) => ({ path: p.field, message: p.message })));
        }
        spec = { kind: 'polygon', geometry: v.site.geometry };
      }
      const { outline, ...stats } = await areas.statistics(spec, query);
      res.type('application/geo+json');
      return { type: 'Feature', geometry: outline, properties: stats };
    },
  });

  api.add({
    method: 'post', path: '/api/areas/name', tag: 'geography', access: 'read',
    summary: 'A recognisable name for an area of H3 cells: ward(s), district and main street',
    query: areaStatsQuery,
    body: z.object({ cells: cellList }),
    response: { description: 'the name', schema: z.object({ name: z.string() }) },
    handler: async ({ body, query }) => {
      const r = await analysis.resolve({ ...query, resolution: 9 });
      return { name: await areas.nameCells(r, body.cells) };
    },
  });
}

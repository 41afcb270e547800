import { z } from 'zod';
import { areaDeprivation } from '../../domain/geography/deprivation';
import type { Analysis } from '../../services/analysis';
import type { Api } from '../api';
import { HttpError } from '../httpError';
import { round } from './hotspots';

export function geographyRoutes(api: Api, analysis: Analysis): void {
  const geo = analysis.geography;

  api.add({
    method: 'get', path: '/api/geography', tag: 'geography', access: 'read',
    summary: 'Boundary sets loaded (with their vintages) and how many incidents fall inside the study area',
    response: { description: 'vintages and tagging counts', schema: z.any() },
    handler: async () => ({
      boundaries: await geo.vintages(),
      vintageRule: 'each incident is matched to the latest vintage in force in its month (wards dated December of their year; LSOA 2021 from December 2021), or the earliest loaded before that',
      incidents: await analysis.incidents.studyAreaCounts(),
    }),
  });

  api.add({
    method: 'get', path: '/api/boundaries', tag: 'geography', access: 'read',
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
    method: 'get', path: '/api/deprivation', tag: 'geography', access: 'read',
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

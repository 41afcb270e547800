import { z } from 'zod';
import type { Db } from '../../db/connection';
import { validateSite } from '../../domain/geography/places';
import type { Analysis } from '../../services/analysis';
import { AreaService } from '../../services/areas';
import { DeprivationService } from '../../services/deprivation';
import type { Api } from '../api';
import { siteRoutes } from './sites';
import { areaStatsQuery, zoneRoutes } from './zones';
import { feature, featureCollection, polygonal, postedProperties } from '../geojson';
import { areaStatisticsFeature } from '../areaSchemas';
import { HttpError } from '../httpError';
import { round } from './hotspots';
import { forceParam } from '../schemas';

export function geographyRoutes(api: Api, analysis: Analysis): void {
  /** Whether a boundary lies in the force's districts (a district itself, or a ward or LSOA of one). */
  const forceFilter = async (force: string | undefined): Promise<(b: { code: string; districtCode: string | null }) => boolean> => {
    if (!force) return () => true;
    const codes = new Set((await analysis.districtsOf(await analysis.forceScope(force))).map((d) => d.code));
    return (b) => codes.has(b.code) || (b.districtCode !== null && codes.has(b.districtCode));
  };
  const geo = analysis.geography;
  const deprivation = new DeprivationService(geo);

  api.add({
    method: 'get',
    path: '/api/geography',
    tag: 'geography',
    access: 'public',
    cache: true,
    summary: 'Boundary sets loaded (with their vintages) and how many incidents fall inside the study area',
    response: {
      description: 'vintages and tagging counts',
      schema: z.object({
        boundaries: z.array(
          z.object({ kind: z.enum(['district', 'ward', 'lsoa']), vintage: z.string(), count: z.number().describe('boundaries of this kind and vintage') }),
        ),
        vintageRule: z.string().describe('which vintage an incident is tagged against, in words'),
        incidents: z
          .object({
            inside: z.number().describe('incidents inside the study area (the loaded districts)'),
            outside: z.number(),
            untagged: z.number().describe('positioned incidents not yet tagged'),
            withoutPosition: z.number(),
          })
          .describe('incidents by study-area tagging'),
      }),
    },
    handler: async () => ({
      boundaries: await geo.vintages(),
      vintageRule:
        'each incident is matched to the latest vintage in force in its month (wards dated December of their year; LSOA 2021 from December 2021), or the earliest loaded before that',
      incidents: await analysis.incidents.studyAreaCounts(),
    }),
  });

  api.add({
    method: 'get',
    path: '/api/boundaries',
    tag: 'geography',
    access: 'public',
    cache: true,
    summary: 'Districts, wards or LSOAs of one vintage as GeoJSON (default: the latest vintage loaded)',
    query: z
      .object({
        kind: z.enum(['district', 'ward', 'lsoa']),
        vintage: z
          .string()
          .regex(/^\d{4}$/)
          .optional(),
        force: forceParam,
      })
      .strict(),
    response: { description: 'GeoJSON FeatureCollection with the vintage', schema: boundaryCollection, contentType: 'application/geo+json' },
    handler: async ({ query, res }) => {
      const loaded = (await geo.vintages()).filter((v) => v.kind === query.kind).map((v) => v.vintage);
      const vintage = query.vintage ?? loaded.at(-1);
      const inForce = await forceFilter(query.force);
      const rows = (vintage ? await geo.boundaries(query.kind, vintage) : []).filter(inForce);
      if (rows.length === 0) {
        throw new HttpError(
          404,
          `no ${query.kind} boundaries${query.vintage ? ` of vintage ${query.vintage}` : ''} are loaded` +
            (loaded.length ? `; loaded ${query.kind} vintages: ${loaded.join(', ')}` : `; import the ONS ${query.kind} GeoJSON`),
        );
      }
      res.type('application/geo+json');
      return {
        type: 'FeatureCollection' as const,
        kind: query.kind,
        vintage: vintage!,
        features: rows.map((b) => ({
          type: 'Feature' as const,
          id: b.code,
          geometry: b.geometry,
          properties: { code: b.code, name: b.name, kind: b.kind, vintage: b.vintage, districtCode: b.districtCode, areaKm2: round(b.areaKm2) },
        })),
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/areas/search',
    tag: 'geography',
    access: 'public',
    cache: true,
    summary: 'Find wards and districts by name, from the loaded boundaries (latest vintage of each)',
    description:
      'Case-insensitive: names starting with the text first, then names containing it. Without q, every ward and district. Works with or without deprivation loaded.',
    query: z
      .object({
        q: z.string().max(100).default(''),
        kind: z.enum(['ward', 'district']).optional(),
        limit: z.coerce.number().int().min(1).max(5000).default(5000),
        force: forceParam,
      })
      .strict(),
    response: { description: 'matching areas with their bounding box', schema: z.object({ areas: z.array(searchHit) }) },
    handler: async ({ query }) => {
      const loaded = await geo.vintages();
      const kinds = query.kind ? [query.kind] : (['ward', 'district'] as const);
      const inForce = await forceFilter(query.force);
      const districtNames = new Map((await geo.boundaries('district')).map((d) => [d.code, d.name]));
      const text = query.q.trim().toLowerCase();
      const hits: z.infer<typeof searchHit>[] = [];
      for (const kind of kinds) {
        const vintage = loaded
          .filter((v) => v.kind === kind)
          .map((v) => v.vintage)
          .at(-1);
        if (!vintage) continue;
        for (const b of (await geo.boundaries(kind, vintage)).filter(inForce)) {
          if (text && !b.name.toLowerCase().includes(text)) continue;
          const district = kind === 'ward' && b.districtCode ? (districtNames.get(b.districtCode) ?? null) : null;
          hits.push({
            kind,
            code: b.code,
            name: district ? `${b.name}, ${district}` : b.name,
            vintage,
            districtCode: b.districtCode,
            bbox: bboxOf(b.geometry),
          });
        }
      }
      const starts = (h: { name: string }) => (text && h.name.toLowerCase().startsWith(text) ? 0 : 1);
      hits.sort((a, b) => starts(a) - starts(b) || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
      return { areas: hits.slice(0, query.limit) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/deprivation',
    tag: 'geography',
    access: 'public',
    cache: true,
    summary: 'Deprivation of the loaded wards or districts (any vintage) from the English Indices of Deprivation 2019',
    description:
      'Population-weighted mean IMD rank; share of LSOAs and of residents in the most deprived national decile; the same for the Crime domain. LSOAs go to wards by the ONS best-fit lookup of that ward vintage when loaded, else by their representative point in the loaded ward outlines. Every loaded area is answered: with figures in areas, or in areasWithout with the reason (Welsh areas, no LSOA); available and missing say plainly when nothing can be shown. Wards of 2019 also carry the published third-party aggregates when loaded.',
    query: z
      .object({
        level: z.enum(['ward', 'district']).default('ward'),
        vintage: z
          .string()
          .regex(/^\d{4}$/)
          .optional()
          .describe('boundary vintage of the areas; default the latest ward vintage with an LSOA → ward lookup, else the latest loaded'),
      })
      .strict(),
    response: { description: 'one row per area', schema: deprivationOut },
    handler: async ({ query }) => {
      const d = await deprivation.areas(query.level, { vintage: query.vintage });
      const published =
        d.level === 'ward' && d.vintage === '2019'
          ? new Map((await geo.publishedWards()).map((p) => [p.wardCode, p.values]))
          : new Map<string, Record<string, number>>();
      return {
        ...d,
        lookup: d.method === 'lookup' ? d.caveat : null,
        areas: d.areas.map((a) => {
          const p = published.get(a.code);
          return {
            ...a,
            meanImdRank: round(a.meanImdRank, 1),
            meanCrimeRank: round(a.meanCrimeRank, 1),
            published: p
              ? {
                  source: 'humaniverse/IMD ward aggregates (British Red Cross), computed from MHCLG File 7: not official statistics',
                  score: p.Score ?? null,
                  proportion: p.Proportion ?? null,
                  extent: p.Extent ?? null,
                  crimeProportion: p.Crime_Proportion ?? null,
                }
              : null,
          };
        }),
      };
    },
  });
}

/** [west, south, east, north] of an outline. */
function bboxOf(geometry: { coordinates: unknown }): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      box[0] = Math.min(box[0], x);
      box[1] = Math.min(box[1], y);
      box[2] = Math.max(box[2], x);
      box[3] = Math.max(box[3], y);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  visit(geometry.coordinates);
  return box.map((v) => round(v, 6)) as [number, number, number, number];
}

export const boundaryCollection = featureCollection(
  feature(
    polygonal,
    z.object({
      code: z.string().describe('ONS code'),
      name: z.string(),
      kind: z.string(),
      vintage: z.string(),
      districtCode: z.string().nullable().describe('the district of a ward or LSOA'),
      areaKm2: z.number().describe('km²'),
    }),
  ).extend({ id: z.string().describe('the ONS code') }),
)
  .extend({ kind: z.enum(['district', 'ward', 'lsoa']), vintage: z.string() })
  .meta({ id: 'Boundaries' });
export const searchHit = z.object({
  kind: z.enum(['ward', 'district']),
  code: z.string(),
  name: z.string().describe("a ward's name is followed by its district's"),
  vintage: z.string(),
  districtCode: z.string().nullable(),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('[west, south, east, north]'),
});
export const deprivationOut = z.object({
  level: z.enum(['ward', 'district']),
  vintage: z.string().nullable(),
  available: z.boolean().describe('false when no loaded area has figures; missing then says why'),
  missing: z.string().nullable().describe('why deprivation cannot be shown, in plain words'),
  source: z.string(),
  method: z.enum(['lookup', 'representative point', 'district code']).nullable(),
  caveat: z.string().nullable(),
  lookup: z.string().nullable(),
  areas: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      districtCode: z.string().nullable(),
      lsoas: z.number(),
      population: z.number(),
      meanImdRank: z.number(),
      shareLsoasMostDeprived: z.number(),
      shareResidentsMostDeprived: z.number(),
      meanCrimeRank: z.number(),
      shareLsoasMostDeprivedCrime: z.number(),
      shareResidentsMostDeprivedCrime: z.number(),
      published: z
        .object({
          source: z.string(),
          score: z.number().nullable(),
          proportion: z.number().nullable(),
          extent: z.number().nullable(),
          crimeProportion: z.number().nullable(),
        })
        .nullable(),
    }),
  ),
  areasWithout: z.array(z.object({ code: z.string(), name: z.string(), reason: z.string() })),
});

export type Boundaries = z.infer<typeof boundaryCollection>;
export type AreaHit = z.infer<typeof searchHit>;
export type Deprivation = z.infer<typeof deprivationOut>;

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
    method: 'get',
    path: '/api/areas/:kind/:code/statistics',
    tag: 'geography',
    access: 'read',
    cache: true,
    summary: 'Statistics of a district, ward or LSOA',
    description:
      'Incidents and harm under the definition and scheme, rate per 1,000 residents (mid-2015, IoD 2019), offence mix, monthly series with zeros, the last 3 months against the previous 3 and the same months a year earlier (exact conditional Poisson test), deprivation, and the boundary vintages the incidents were tagged with.',
    params: z.object({ kind: z.enum(['district', 'ward', 'lsoa']), code: z.string().regex(/^(E0[1256789]|W0[156])\d{6}$/, 'an ONS code, e.g. E05000886') }),
    query: areaStatsQuery,
    response: {
      description: 'GeoJSON Feature: the outline with its statistics as properties',
      schema: areaStatisticsFeature,
      contentType: 'application/geo+json',
    },
    disclosure: true,
    handler: async ({ params, query, res }) => {
      const { outline, ...stats } = await areas.statistics({ kind: params.kind, code: params.code }, query);
      res.type('application/geo+json');
      return { type: 'Feature', geometry: outline, properties: stats };
    },
  });

  api.add({
    method: 'post',
    path: '/api/areas/statistics',
    tag: 'geography',
    access: 'read',
    summary: 'Statistics of H3 cells (an HCHH area) or of an outline posted ad hoc',
    description:
      'Body: { cells: [...] } or { geometry: Polygon | MultiPolygon } (or a GeoJSON Feature). Population and deprivation of drawn areas are estimated by areal weighting of the 2011 LSOAs.',
    query: areaStatsQuery,
    body: z
      .object({
        cells: cellList.optional().describe('H3 cell ids (an HCHH area)'),
        geometry: polygonal.optional().describe('an outline drawn ad hoc (WGS84)'),
        type: z.literal('Feature').optional().describe('the body may be a GeoJSON Feature of the outline'),
        properties: postedProperties,
      })
      .refine((b) => Boolean(b.cells) !== Boolean(b.geometry), { message: 'give either cells or geometry' }),
    response: {
      description: 'GeoJSON Feature: the outline with its statistics as properties',
      schema: areaStatisticsFeature,
      contentType: 'application/geo+json',
    },
    disclosure: true,
    handler: async ({ body, query, res }) => {
      let spec: Parameters<AreaService['statistics']>[0];
      if (body.cells) spec = { kind: 'cells', cells: body.cells };
      else {
        const v = validateSite({ name: 'posted', geometry: body.geometry });
        if (!v.site || v.site.geometry.type === 'Point') {
          const problems = v.site ? [{ field: 'geometry', message: 'must be a Polygon or MultiPolygon' }] : v.problems;
          throw new HttpError(
            400,
            `invalid body: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
            problems.map((p) => ({ path: p.field, message: p.message })),
          );
        }
        spec = { kind: 'polygon', geometry: v.site.geometry };
      }
      const { outline, ...stats } = await areas.statistics(spec, query);
      res.type('application/geo+json');
      return { type: 'Feature', geometry: outline, properties: stats };
    },
  });

  api.add({
    method: 'post',
    path: '/api/areas/name',
    tag: 'geography',
    access: 'read',
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

import { z } from 'zod';
import { disclosureSchema } from './disclosure';
import { feature, featureCollection, pointOrPolygonal, polygonal } from './geojson';
import { countChangeSchema, relativeChangeSchema, resolvedDescription } from './schemas';

/** YYYY-MM-DD, as zones store their phase starts. */
const day = z.string().describe('a date, YYYY-MM-DD');
const withheld = 'null where a partner\'s protected count is withheld ("<5"; see incidentsShown)';

export const zoneProperties = z.object({
  name: z.string(),
  partnership: z.string().nullable(),
  clearStart: day,
  holdStart: day.nullable(),
  buildStart: day.nullable(),
  notes: z.string().nullable(),
  areaKm2: z.number().describe('km²'),
  forceCode: z.string().nullable().describe('the force the zone lies in (ONS code); null outside every loaded force'),
});
/** A stored Clear-Hold-Build zone as a GeoJSON Feature (POST /api/zones/import reads it back unchanged). */
export const zoneFeature = feature(polygonal, zoneProperties)
  .extend({ id: z.number().describe('the zone id') })
  .meta({ id: 'Zone' });
export const zoneCollection = featureCollection(zoneFeature).meta({ id: 'Zones' });

export const siteProperties = z.object({
  name: z.string(),
  bufferMetres: z.number().nullable().describe('metres around the site that count as the site'),
  notes: z.string().nullable(),
  forceCode: z.string().nullable(),
});
/** A stored site as a GeoJSON Feature (POST /api/sites/import reads it back unchanged). */
export const siteFeature = feature(pointOrPolygonal, siteProperties)
  .extend({ id: z.number().describe('the site id') })
  .meta({ id: 'Site' });
export const siteCollection = featureCollection(siteFeature).meta({ id: 'Sites' });

/** What an import of zones or sites answers: how many were created and updated, and the stored features. */
export const importCounts = { created: z.number(), updated: z.number() };

const windowCounts = z.object({
  from: z.string(),
  to: z.string(),
  incidents: z.number().nullable().describe(withheld),
  harm: z.number().nullable(),
});
export const windowComparison = z
  .object({
    label: z.string(),
    recent: windowCounts,
    earlier: windowCounts.nullable().describe('null when the earlier months are not loaded'),
    test: countChangeSchema.nullable().describe('null when not tested (earlier months not loaded, or counts withheld)'),
    note: z.string().nullable(),
  })
  .meta({ id: 'WindowComparison' });

const population = z
  .object({
    residents: z.number(),
    year: z.string(),
    source: z.string(),
    method: z.string().describe('how the residents were counted: the LSOAs summed, or areal weighting for a drawn area'),
  })
  .nullable()
  .describe('null without the Indices of Deprivation loaded');

const deprivation = z
  .union([
    z.object({
      method: z.string(),
      code: z.string(),
      lsoas: z.number().describe('LSOAs of the area'),
      population: z.number(),
      meanImdRank: z.number().describe('population-weighted mean national IMD rank (1 = most deprived of 32,844)'),
      shareLsoasMostDeprived: z.number().describe('share (0–1) of the LSOAs in the most deprived national decile'),
      shareResidentsMostDeprived: z.number(),
      meanCrimeRank: z.number(),
      shareLsoasMostDeprivedCrime: z.number(),
      shareResidentsMostDeprivedCrime: z.number(),
    }),
    z.object({
      method: z.string(),
      meanImdRank: z.number(),
      shareResidentsMostDeprived: z.number(),
      shareResidentsMostDeprivedCrime: z.number(),
      lsoas: z.array(z.object({ code: z.string(), shareInside: z.number().describe('share (0–1) of the LSOA inside the outline'), imdDecile: z.number() })),
    }),
  ])
  .nullable()
  .describe("a boundary's LSOAs summed, or a drawn area's overlapping LSOAs by areal weighting; null without deprivation loaded");

const phaseStat = z.object({ incidents: z.number(), harm: z.number(), perMonth: z.number() });

/** The statistics of an area (the properties of its Feature): GET /api/areas/…/statistics, sites, zones, POST /api/areas/statistics. */
export const areaStatistics = resolvedDescription
  .extend({
    area: z.object({
      kind: z.enum(['district', 'ward', 'lsoa', 'zone', 'site', 'cells', 'polygon']),
      id: z.string(),
      name: z.string(),
      areaKm2: z.number().nullable().describe('km²'),
      boundaryVintage: z.string().nullable(),
      selection: z.string().describe('which incidents count as the area, in words'),
      placeName: z.string().nullable().describe('ward(s), district and main street of a drawn area or cells'),
    }),
    vintagesUsed: z
      .array(z.object({ wardVintage: z.string().nullable(), lsoaVintage: z.string().nullable(), incidents: z.number() }))
      .describe('boundary vintages the incidents were tagged with'),
    totals: z.object({
      incidents: z.number().nullable().describe(withheld),
      incidentsShown: z.string().optional(),
      harm: z.number().nullable(),
      harmUnit: z.string(),
    }),
    population,
    rate: z
      .object({ perThousand: z.number(), perThousandPerYear: z.number(), population: z.number(), populationYear: z.string() })
      .nullable()
      .describe('incidents per 1,000 residents over the period and per year'),
    deprivation,
    offenceMix: z.array(z.object({ category: z.string(), incidents: z.number(), harm: z.number(), shareOfIncidents: z.number(), shareOfHarm: z.number() })),
    wards: z.array(
      z.object({
        code: z.string().nullable(),
        name: z.string().nullable(),
        vintage: z.string().nullable(),
        district: z.string().nullable(),
        incidents: z.number(),
      }),
    ),
    topLocations: z.array(z.object({ location: z.string(), incidents: z.number(), harm: z.number() })),
    series: z
      .array(
        z.object({
          month: z.string(),
          incidents: z.number().nullable().describe(withheld),
          incidentsShown: z.string().optional(),
          harm: z.number().nullable(),
        }),
      )
      .describe('every month of the period, zeros included'),
    change: z.array(windowComparison).describe('the last 3 months against the previous 3 and against the same months a year earlier'),
    disclosure: disclosureSchema.optional(),
    zone: zoneFeature.optional().describe('zone statistics: the zone'),
    phases: z
      .array(
        z.object({
          phase: z.string(),
          from: z.string(),
          to: z.string(),
          months: z.number(),
          area: phaseStat,
          comparison: phaseStat,
          areaChange: countChangeSchema.nullable(),
          comparisonChange: countChangeSchema.nullable(),
          relative: relativeChangeSchema.nullable(),
        }),
      )
      .optional()
      .describe('zone statistics: each Clear-Hold-Build phase against "before clear" and the force-wide change'),
    comparison: z.string().optional().describe('zone statistics: the comparison rule'),
    phaseRule: z.string().optional(),
  })
  .meta({ id: 'AreaStatistics' });

/** An area's outline with its statistics as properties. */
export const areaStatisticsFeature = feature(polygonal.nullable(), areaStatistics).meta({ id: 'AreaStatisticsFeature' });

export type ZoneFeature = z.infer<typeof zoneFeature>;
export type SiteFeature = z.infer<typeof siteFeature>;
export type AreaStatistics = z.infer<typeof areaStatistics>;
export type WindowComparison = z.infer<typeof windowComparison>;

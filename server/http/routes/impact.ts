import { z } from 'zod';
import { month, relativeChangeSchema, resolvedDescription } from '../schemas';
import { feature, polygonal, postedProperties } from '../geojson';
import type { Db } from '../../db/connection';
import { validateSite, type Polygonal } from '../../domain/geography/places';
import type { Analysis } from '../../services/analysis';
import { AreaService } from '../../services/areas';
import { ImpactService } from '../../services/impact';
import type { Api } from '../api';
import { HttpError } from '../httpError';
import { MAX_RESOLUTION, MIN_RESOLUTION } from '../../domain/h3cell';
import { forceParam } from '../schemas';

const AREA_RULE = 'hchh:N (rank in /api/hchh), zone:ID, site:ID, ward:CODE, district:CODE or lsoa:CODE';

const impactFields = {
  area: z.string().min(1).max(100).optional().describe(`the area: ${AREA_RULE}`),
  date: month.optional().describe('intervention month (the first "after" month)'),
  phase: z.enum(['clear', 'hold', 'build']).optional().describe('for a zone: the start of this Clear-Hold-Build phase is the intervention month'),
  months: z.coerce.number().int('must be a whole number').min(1).max(60).default(12).describe('months before and after (default 12)'),
  bufferMetres: z.coerce.number().min(10).max(5000).default(250).describe('width of the displacement buffer ring in metres (default 250)'),
  comparison: z.string().min(1).max(100).default('auto').describe(`auto (matched cells), force, or an area: ${AREA_RULE}`),
  force: forceParam,
  definition: z.string().min(1).max(64).optional().describe('serious-violence definition key (default public-proxy)'),
  scheme: z.string().min(1).max(64).optional().describe('harm scheme key (default cchi when loaded)'),
  resolution: z.coerce
    .number()
    .int()
    .min(MIN_RESOLUTION)
    .max(MAX_RESOLUTION)
    .default(9)
    .describe('H3 resolution of HCHH areas and matched comparison cells (default 9)'),
};

export const impactQuery = z.object(impactFields).strict();
export const impactBody = z
  .object({
    ...impactFields,
    geometry: z
      .union([polygonal, feature(polygonal, postedProperties)], { error: 'must be a GeoJSON Polygon or MultiPolygon (or a Feature of one)' })
      .optional()
      .describe('an outline instead of area (WGS84)'),
  })
  .strict();

const beforeAfter = {
  before: z.number().describe('incidents in the months before'),
  after: z.number().describe('incidents in the months after'),
  harmBefore: z.number(),
  harmAfter: z.number(),
  changePercent: z.number().nullable().describe('% change of incidents; null when none before'),
  harmChangePercent: z.number().nullable(),
};
const windowOf = z.object({ from: z.string(), to: z.string(), months: z.number() });

export const impactResponse = resolvedDescription
  .extend({
    area: z.object({
      kind: z.string(),
      id: z.string(),
      name: z.string(),
      areaKm2: z.number().nullable().describe('km²'),
      selection: z.string(),
      rule: z.string().optional().describe('an HCHH area: the rule that found it'),
    }),
    outline: polygonal,
    intervention: z.object({
      date: z.string().describe('the intervention month, YYYY-MM: the first "after" month'),
      phase: z.enum(['clear', 'hold', 'build']).nullable(),
      months: z.number(),
      before: windowOf,
      after: windowOf,
      rule: z.string(),
    }),
    counts: z.object({
      area: z.object(beforeAfter),
      force: z.object({ ...beforeAfter, rule: z.string() }),
      buffer: z.object({
        ...beforeAfter,
        bufferMetres: z.number(),
        positions: z.number().describe('incident positions in the buffer ring'),
        rule: z.string(),
      }),
      comparison: z
        .object({
          kind: z.enum(['auto', 'area', 'force']),
          ...z.object(beforeAfter).partial().shape,
          rule: z.string().optional().describe('comparison=force: the force-wide rule (the counts are those of counts.force)'),
          method: z.string().optional().describe('auto: how the cells were matched'),
          candidates: z.string().optional(),
          targetCells: z.number().optional(),
          targetBefore: z.number().optional(),
          matchedBefore: z.number().optional(),
          targetMeanImdRank: z.number().nullable().optional(),
          matchedMeanImdRank: z.number().nullable().optional(),
          cellIds: z.array(z.string()).optional().describe('auto: the matched cells'),
          area: z.object({ kind: z.string(), id: z.string(), name: z.string(), selection: z.string() }).optional().describe('a named comparison area'),
          outline: polygonal.nullable().optional(),
        })
        .describe('the comparison: matched cells (auto), a named area, or the force'),
    }),
    relativeChange: z.object({
      againstForce: relativeChangeSchema,
      againstComparison: relativeChangeSchema.nullable(),
    }),
    displacement: z
      .union([
        z.object({ error: z.string().describe('why the WDQ cannot be computed'), control: z.enum(['comparison', 'force']) }),
        z.object({
          reading: z.string(),
          control: z.enum(['comparison', 'force']),
          successMeasure: z.number(),
          bufferMeasure: z.number(),
          wdq: z
            .number()
            .nullable()
            .describe(
              'Weighted Displacement Quotient, bufferMeasure / successMeasure: > 0 diffusion of benefit, < 0 displacement; null when the area did not improve against the control',
            ),
          totalNetEffect: z.number(),
          method: z.string(),
        }),
      ])
      .describe('displacement into the buffer ring or diffusion of benefits'),
    statement: z.string(),
    comparisonStatement: z.string().nullable(),
    series: z.array(z.object({ month: z.string(), period: z.enum(['before', 'after']), area: z.number(), force: z.number() })),
    caveats: z.array(z.string()),
  })
  .meta({ id: 'Impact' });

const DESCRIPTION =
  'Counts and harm inside the area in the months before and after the intervention month, against the force, a comparison area (auto: H3 cells outside the area and its buffer matched on pre-period count and IMD rank) and the displacement buffer; the ratio of rate ratios with its 95% interval, the Weighted Displacement Quotient, and a one-line statement that always carries its interval. See docs/impact.md.';

export function impactRoutes(api: Api, db: Db, analysis: Analysis): void {
  const impact = new ImpactService(analysis, new AreaService(db, analysis));

  api.add({
    method: 'get',
    path: '/api/impact',
    tag: 'impact',
    access: 'read',
    cache: true,
    summary: 'Impact of an intervention on an area',
    description: DESCRIPTION,
    query: impactQuery,
    response: { description: 'before/after counts, relative change with interval, displacement, statement', schema: impactResponse },
    handler: async ({ query }) => impact.impact(query),
  });

  api.add({
    method: 'post',
    path: '/api/impact',
    tag: 'impact',
    access: 'read',
    summary: 'Impact of an intervention on an area or a posted outline',
    description: `${DESCRIPTION} The body takes the same fields as the GET query, plus geometry instead of area.`,
    body: impactBody,
    response: { description: 'before/after counts, relative change with interval, displacement, statement', schema: impactResponse },
    handler: async ({ body }) => {
      let geometry: Polygonal | undefined;
      if (body.geometry !== undefined) {
        const g = body.geometry as { type?: string; geometry?: unknown };
        const geom = (g?.type === 'Feature' ? g.geometry : g) as { type?: string } | null;
        if (geom?.type !== 'Polygon' && geom?.type !== 'MultiPolygon')
          throw new HttpError(400, 'invalid body: geometry: must be a GeoJSON Polygon or MultiPolygon (or a Feature of one)', [
            { path: 'geometry', message: 'must be a GeoJSON Polygon or MultiPolygon' },
          ]);
        const v = validateSite({ name: 'posted', geometry: geom });
        if (!v.site || v.site.geometry.type === 'Point') {
          const problems = v.site ? [{ field: 'geometry', message: 'must be a Polygon or MultiPolygon' }] : v.problems;
          throw new HttpError(
            400,
            `invalid body: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
            problems.map((p) => ({ path: p.field, message: p.message })),
          );
        }
        geometry = v.site.geometry;
      }
      return impact.impact({ ...body, geometry });
    },
  });
}

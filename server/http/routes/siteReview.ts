import { z } from 'zod';
import { countChangeSchema, month, resolvedDescription } from '../schemas';
import { pointOrPolygonal, polygonal } from '../geojson';
import { EMERGING_CATEGORIES, SHORT_SERIES_CATEGORIES } from '../../domain/hotspots/emerging';
import type { Db } from '../../db/connection';
import { MAX_RING_METRES, MIN_RING_METRES } from '../../domain/siteReview';
import type { Analysis } from '../../services/analysis';
import { AreaService } from '../../services/areas';
import { SiteReviewService } from '../../services/siteReview';
import type { Api } from '../api';
import { renderSiteReview } from '../pages/siteReview';
import { sendPrintable } from '../pages/html';
import { idParam } from './zones';
import { forceParam } from '../schemas';

const RINGS_RULE = `a comma list of 1 to 3 different distances in whole metres, each ${MIN_RING_METRES}–${MAX_RING_METRES}, e.g. 250,500,1000`;

export const reviewQuery = z
  .object({
    rings: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const parts = v.split(',').map((s) => s.trim());
        const values = parts.map(Number);
        if (
          parts.length < 1 ||
          parts.length > 3 ||
          parts.some((s) => !/^\d+$/.test(s)) ||
          values.some((n) => n < MIN_RING_METRES || n > MAX_RING_METRES) ||
          new Set(values).size !== values.length
        ) {
          ctx.addIssue({ code: 'custom', message: `must be ${RINGS_RULE}; got "${v}"` });
          return z.NEVER;
        }
        return values.sort((a, b) => a - b);
      })
      .describe(
        `rings around the site, ${RINGS_RULE} (default 250,500,1000); each ring is the annulus from the previous distance to this one outside the site's edge`,
      ),
    from: month.optional().describe('first month of the period (default: 11 months before `to`)'),
    to: month.optional().describe('last month of the period, inclusive (default: the latest month loaded, or 11 months after `from`)'),
    force: forceParam,
    definition: z.string().min(1).max(64).optional().describe('serious-violence definition key (default public-proxy)'),
    scheme: z.string().min(1).max(64).optional().describe('harm scheme key (default cchi when loaded, else count)'),
    variant: z
      .enum(['full', 'preliminary'])
      .default('full')
      .describe(
        'full report, or the preliminary short variant for outline planning applications (headline counts and rates against comparators, hotspot status, traffic light, caveats)',
      ),
  })
  .strict();

const counted = z.object({ incidents: z.number(), harm: z.number() }).nullable().describe('null when the period is not loaded');
const rateTest = z.object({
  zoneRate: z.number(),
  comparatorRate: z.number(),
  ratio: z.number().nullable().describe("the zone's rate over the comparator's"),
  verdict: z.enum(['higher', 'lower', 'no significant difference']),
  pValue: z.number(),
  ci: z.array(z.number().nullable()).nullable().describe('95 % interval of the ratio'),
  method: z.string(),
});
const dayHour = z.object({
  timed: z.number(),
  untimed: z.number(),
  table: z.array(z.array(z.number())).nullable().describe('rows Monday…Sunday, columns hours 0…23 (UK time); null when no incident has a time'),
  statement: z.string(),
});

/** GET /api/sites/{id}/review: the site review report. */
export const siteReviewResponse = resolvedDescription
  .extend({
    variant: z.enum(['full', 'preliminary']),
    site: z.object({
      id: z.number(),
      name: z.string(),
      bufferMetres: z.number().nullable(),
      notes: z.string().nullable(),
      geometry: pointOrPolygonal,
      outline: polygonal.describe('the site with its buffer'),
      areaKm2: z.number().describe('km²'),
      ringOutlines: z.array(z.object({ outerMetres: z.number().nullable(), geometry: polygonal })),
    }),
    period: z.object({ from: z.string(), to: z.string(), months: z.number() }),
    previousPeriod: z.object({ from: z.string(), to: z.string() }).nullable().describe('the months just before, when loaded'),
    previousNote: z.string().nullable(),
    rules: z.object({ period: z.string(), rings: z.string(), rateTest: z.string(), trafficLight: z.string() }).describe('the rules in words'),
    trafficLight: z.object({ light: z.enum(['red', 'amber', 'green']), reasons: z.array(z.string()), rule: z.string() }),
    comparators: z.array(
      z.object({
        kind: z.enum(['ward', 'district', 'force']),
        code: z.string(),
        name: z.string(),
        areaKm2: z.number(),
        residents: z.number().nullable(),
        incidents: z.number(),
        perKm2: z.number(),
        perThousandResidents: z.number().nullable(),
      }),
    ),
    zones: z
      .array(
        z.object({
          key: z.string(),
          label: z.string(),
          innerMetres: z.number().nullable(),
          outerMetres: z.number().nullable(),
          areaKm2: z.number(),
          residents: z.number().nullable(),
          populationMethod: z.string().nullable(),
          definition: z.object({ current: counted, previous: counted, change: countChangeSchema.nullable() }),
          allCrime: z.object({ current: counted, previous: counted }),
          rates: z
            .record(z.string(), z.object({ perKm2: rateTest, perThousandResidents: rateTest.nullable() }))
            .describe('against each comparator, by its kind'),
          byCategory: z.array(z.object({ category: z.string(), current: counted, previous: counted })).optional(),
          byDefinition: z.array(z.object({ key: z.string(), name: z.string(), current: counted, previous: counted })).optional(),
          monthly: z.array(z.object({ month: z.string(), incidents: z.number(), harm: z.number(), allCrime: z.number() })).optional(),
          topLocations: z.array(z.object({ location: z.string(), incidents: z.number(), harm: z.number() })).optional(),
        }),
      )
      .describe('the site, then each ring (annuli from the site edge)'),
    hotspots: z.object({
      resolution: z.number(),
      cells: z.array(
        z.object({
          cell: z.string(),
          inStudyArea: z.boolean(),
          hchhArea: z.object({ rank: z.number(), name: z.string() }).nullable(),
          giBin: z.number().nullable().describe('Gi* confidence bin −3…3'),
          giZ: z.number().nullable(),
          emerging: z.enum([...EMERGING_CATEGORIES, ...SHORT_SERIES_CATEGORIES]).nullable(),
        }),
      ),
      touchesHchh: z.boolean(),
      maxGiBin: z.number().nullable(),
      hchhAreasWithinRings: z.array(z.object({ rank: z.number(), name: z.string(), cells: z.number() })),
      rules: z.object({ cells: z.string(), hchh: z.string(), gistar: z.string(), emerging: z.string() }),
    }),
    dayHour: z.object({ definition: dayHour, allCrime: dayHour }).optional().describe('full report only'),
    repeatLocations: z
      .object({
        rule: z.string(),
        totals: z.object({
          incidents: z.number(),
          repeatIncidents: z.number(),
          locations: z.number(),
          harm: z.number(),
          repeatHarm: z.number(),
          repeatShare: z.number(),
          repeatHarmShare: z.number(),
        }),
        locations: z.array(
          z.object({
            rank: z.number(),
            location: z.string(),
            source: z.string(),
            lon: z.number(),
            lat: z.number(),
            zone: z.string().describe('the site or ring it lies in'),
            incidents: z.number(),
            harm: z.number(),
            monthsActive: z.number(),
            firstHalf: z.number(),
            secondHalf: z.number(),
            shareOfIncidents: z.number(),
          }),
        ),
      })
      .optional()
      .describe('full report only'),
    deprivation: z
      .object({
        method: z.string(),
        meanImdRank: z.number().optional().describe('absent when no LSOA overlaps'),
        shareResidentsMostDeprived: z.number().optional(),
        shareResidentsMostDeprivedCrime: z.number().optional(),
        lsoas: z.array(
          z.object({
            code: z.string(),
            name: z.string().nullable(),
            shareOfLsoaInside: z.number(),
            imdRank: z.number().nullable(),
            imdDecile: z.number().nullable(),
            crimeRank: z.number().nullable(),
            crimeDecile: z.number().nullable(),
          }),
        ),
      })
      .optional()
      .describe('full report only: the LSOAs the site overlaps'),
    caveats: z.array(z.string()),
  })
  .meta({ id: 'SiteReview' });

/** The site review report (designing-out-crime officers): JSON, and a printable self-contained HTML page. */
export function siteReviewRoutes(api: Api, db: Db, analysis: Analysis): void {
  const service = new SiteReviewService(analysis, new AreaService(db, analysis));

  api.add({
    method: 'get',
    path: '/api/sites/:id/review',
    tag: 'sites',
    access: 'site-review',
    cache: true,
    summary: 'Site review report: the site and rings around it against ward, district and force, hotspots, deprivation, traffic light',
    description:
      'Counts and harm by category and definition inside the site and each ring (annuli from the site edge), rates per km² and per 1,000 residents against the ward, district and force with the exact conditional Poisson test, monthly trend, day × hour where incidents carry times, top and repeat locations, HCHH / Gi* / emerging status of the cells the site touches, deprivation of its LSOAs, a traffic light with its rule, and the data caveats. See docs/site-review.md.',
    params: idParam,
    query: reviewQuery,
    response: { description: 'the report as JSON', schema: siteReviewResponse },
    handler: async ({ params, query }) => service.review(params.id, query),
  });

  api.add({
    method: 'get',
    path: '/api/sites/:id/review.html',
    tag: 'sites',
    access: 'site-review',
    cache: true,
    summary: 'Site review report as a printable, self-contained HTML page (Print / save as PDF)',
    params: idParam,
    query: reviewQuery,
    response: { description: 'HTML page with a print stylesheet and an inline SVG map; no remote resources', schema: z.string(), contentType: 'text/html' },
    handler: async ({ params, query, res }) => {
      return sendPrintable(res, renderSiteReview(await service.review(params.id, query)));
    },
  });
}

import { z } from 'zod';
import { MAX_RESOLUTION, MIN_RESOLUTION } from '../domain/h3cell';
import { periodCoverageSchema } from './coverageSchemas';
import { DEFAULT_MAX_DIAMETER_M } from '../domain/backtest/patrolAreas';
import { AREA_RESOLUTION, HCHH_RULES } from '../domain/hchh';
import type { HchhRequest } from '../services/analysis';
import { HttpError } from './httpError';

const RESOLUTION_RULE = `must be a whole number from ${MIN_RESOLUTION} to ${MAX_RESOLUTION}`;

/** Years a month may name: the database's date type and the analyses need no more (0000-01 is no month). */
export const MONTH_YEARS = { min: 1900, max: 2099 } as const;

/** A calendar month, YYYY-MM, in MONTH_YEARS. */
export const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM, e.g. 2019-07')
  .refine(
    (m) => Number(m.slice(0, 4)) >= MONTH_YEARS.min && Number(m.slice(0, 4)) <= MONTH_YEARS.max,
    `a month from ${MONTH_YEARS.min}-01 to ${MONTH_YEARS.max}-12`,
  );

/** The largest id a stored record can have (PostgreSQL integer). */
export const MAX_ID = 2 ** 31 - 1;
/** A stored record's id in a path: a whole number from 1 to 2^31 − 1. */
export const recordId = z.coerce.number().int('a whole number').min(1, 'at least 1').max(MAX_ID, `at most ${MAX_ID}`);

/** Text without control characters: PostgreSQL text cannot hold NUL, and no key or name needs the others. */
export const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');

const listOf = (max: number, describe: string) =>
  z
    .union([plainText(2000), z.array(plainText(200)).max(100)])
    .optional()
    .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)))
    .refine((v) => v === undefined || v.length <= max, `at most ${max} values`)
    .describe(describe);

/** Which force an answer is about: an ONS police force area code, or all (the loaded forces together). */
export const forceParam = z
  .string()
  .regex(/^([EW]\d{8}|all)$/i, 'an ONS police force area code such as E23000004, or all')
  .optional()
  .describe('the force: its ONS police force area code, or all for every loaded force together (default: the only force loaded; GET /api/forces lists them)');

/** Query parameters shared by every hotspot endpoint. */
export const analysisQuery = z
  .object({
    force: forceParam,
    resolution: z.coerce
      .number()
      .int(RESOLUTION_RULE)
      .min(MIN_RESOLUTION, RESOLUTION_RULE)
      .max(MAX_RESOLUTION, RESOLUTION_RULE)
      .default(9)
      .describe(`H3 resolution ${MIN_RESOLUTION}–${MAX_RESOLUTION} (9 ≈ 0.1 km² per cell)`),
    from: month.optional().describe('first month (default: the first month loaded)'),
    to: month.optional().describe('last month, inclusive (default: the last month loaded)'),
    definition: plainText(64).min(1).optional().describe('serious-violence definition key (default public-proxy)'),
    scheme: plainText(64).min(1).optional().describe('harm scheme key (default cchi when loaded, else count)'),
    source: listOf(20, 'restrict to sources, comma-separated (data.police.uk, force-extract)'),
    districts: listOf(100, "study area for Gi*, HCHH and accuracy: these district codes, comma-separated (default all of the force's districts)"),
  })
  .strict();

export type AnalysisQuery = z.infer<typeof analysisQuery>;

const AREA_RESOLUTION_RULE = `must be a whole number from ${AREA_RESOLUTION.min} to ${AREA_RESOLUTION.max}`;

/** The patrol plan's cell resolution, the same parameter for HCHH (rule=patrol-plan) and /api/patrol-areas. */
export const areaResolutionParam = z.coerce
  .number()
  .int(AREA_RESOLUTION_RULE)
  .min(AREA_RESOLUTION.min, AREA_RESOLUTION_RULE)
  .max(AREA_RESOLUTION.max, AREA_RESOLUTION_RULE)
  .describe(
    `patrol plan: the H3 resolution of the cells the areas are built from, whatever \`resolution\` the map shows (default ${AREA_RESOLUTION.default}, the finest the cube keeps: areas follow the streets that hold the harm; for a partner on restricted sources the disclosure resolution, 9 unless configured: the finest a partner may see)`,
  );

/** The patrol plan's width limit, the same parameter for HCHH (rule=patrol-plan) and /api/patrol-areas. */
export const maxDiameterParam = z.coerce
  .number()
  .gt(0)
  .max(20_000)
  .describe(
    `patrol plan: no two cells of an area more than this many metres apart, centre to centre (default ${DEFAULT_MAX_DIAMETER_M}: a solid 0.5 km² beat as an oval about 1,200 × 530 m, a quarter of an hour's walk end to end; chosen by the measured harm of solid beats)`,
  );

export const hchhQuery = analysisQuery
  .extend({
    rule: z
      .enum(HCHH_RULES)
      .optional()
      .describe(
        'patrol-plan (default): at most maxAreas contiguous areas of at most maxAreaKm2 each, together at most budgetPercent % of the study area, holding the most harm; merseyside: the rule Merseyside Police published (top crimeTopPercent % by count and top harmTopPercent % by harm, touching cells merged). Naming crimeTopPercent, harmTopPercent or minCells asks for merseyside.',
      ),
    crimeTopPercent: z.coerce
      .number()
      .gt(0)
      .max(100)
      .optional()
      .describe('merseyside rule: a cell is high-crime when in the top N % of study-area cells by count (default 1)'),
    harmTopPercent: z.coerce
      .number()
      .gt(0)
      .max(100)
      .optional()
      .describe('merseyside rule: a cell is high-harm when in the top N % of study-area cells by harm (default 1)'),
    minCells: z.coerce.number().int().min(1).max(1000).optional().describe('merseyside rule: drop areas with fewer cells (default 1)'),
    maxAreas: z.coerce.number().int().min(1).max(1000).optional().describe('at most N areas, most harm first (patrol-plan default 15; merseyside default all)'),
    maxAreaKm2: z.coerce.number().gt(0).max(100).optional().describe('patrol-plan rule: each area at most this many km² (default 0.5)'),
    budgetPercent: z.coerce.number().gt(0).max(100).optional().describe('patrol-plan rule: all areas together at most this % of the study area (default 0.5)'),
    maxDiameterM: maxDiameterParam.optional(),
    areaResolution: areaResolutionParam.optional(),
  })
  .strict();

/** What an HCHH query asks for: its rule (named, or implied by the thresholds it names) and that rule's options. */
export function hchhRequestOf(q: z.infer<typeof hchhQuery>): HchhRequest {
  const thresholdNamed = (['crimeTopPercent', 'harmTopPercent', 'minCells'] as const).filter((k) => q[k] !== undefined);
  const patrolNamed = (['maxAreaKm2', 'budgetPercent', 'maxDiameterM', 'areaResolution'] as const).filter((k) => q[k] !== undefined);
  const rule = q.rule ?? (thresholdNamed.length ? 'merseyside' : 'patrol-plan');
  const clash = rule === 'patrol-plan' ? thresholdNamed : patrolNamed;
  if (clash.length)
    throw new HttpError(
      400,
      `invalid query: ${clash.join(', ')} ${clash.length > 1 ? 'belong' : 'belongs'} to the ${rule === 'patrol-plan' ? 'merseyside' : 'patrol-plan'} rule, not ${rule}`,
      clash.map((path) => ({ path, message: `not an option of rule=${rule}` })),
    );
  return rule === 'patrol-plan'
    ? {
        rule,
        patrol: {
          ...(q.maxAreas !== undefined ? { maxAreas: q.maxAreas } : {}),
          ...(q.maxAreaKm2 !== undefined ? { maxAreaKm2: q.maxAreaKm2 } : {}),
          ...(q.budgetPercent !== undefined ? { budgetShare: q.budgetPercent / 100 } : {}),
          ...(q.maxDiameterM !== undefined ? { maxDiameterM: q.maxDiameterM } : {}),
        },
        ...(q.areaResolution !== undefined ? { areaResolution: q.areaResolution } : {}),
      }
    : {
        rule,
        threshold: {
          crimeTopPercent: q.crimeTopPercent ?? 1,
          harmTopPercent: q.harmTopPercent ?? 1,
          minCells: q.minCells ?? 1,
          maxAreas: q.maxAreas ?? null,
        },
      };
}

export const resolvedDescription = z.object({
  force: z.object({ codes: z.array(z.string()), name: z.string() }).describe('the force or forces the answer is about'),
  resolution: z.number(),
  from: z.string(),
  to: z.string(),
  monthCount: z.number(),
  definition: z.object({ key: z.string(), name: z.string(), isProxy: z.boolean() }),
  scheme: z.object({ key: z.string(), name: z.string(), unit: z.string() }),
  coverage: periodCoverageSchema,
});

/** Date-times as answers carry them: ISO 8601 strings in UTC (e.g. 2026-12-04T18:43:19.000Z). */
export const isoDateTime = z.iso.datetime().describe('ISO 8601 date-time, UTC');

/** A two-sided interval [low, high]. */
export const interval = z.tuple([z.number(), z.number()]);

/** Two Poisson counts compared with the exact conditional test (domain/countChange.ts). */
export const countChangeSchema = z
  .object({
    before: z.object({ count: z.number(), exposure: z.number().describe('months or person-months; only the ratio of the two exposures matters') }),
    after: z.object({ count: z.number(), exposure: z.number() }),
    rateRatio: z.number().nullable().describe('(after count / exposure) / (before count / exposure); null when the before rate is 0'),
    percentChange: z.number().nullable().describe('(rateRatio − 1) × 100'),
    ci: interval.nullable().describe('exact 95 % interval of the rate ratio'),
    pValue: z.number(),
    significant: z.boolean(),
    direction: z.enum(['rise', 'fall', 'no significant change']),
    method: z.string(),
  })
  .meta({ id: 'CountChange' });

/** An area's change against a comparison's: the ratio of rate ratios (domain/relativeChange.ts). */
export const relativeChangeSchema = z
  .object({
    ratio: z.number().describe('(area after / before) / (comparison after / before); < 1: the area did better'),
    ci: interval.describe('95 % log-normal interval of the ratio'),
    pValue: z.number(),
    significant: z.boolean(),
    areaChangePercent: z.number().nullable(),
    comparisonChangePercent: z.number().nullable(),
    corrected: z.boolean().describe("true when a count was 0 and 0.5 was added to all four (Haldane's correction)"),
    method: z.string(),
  })
  .meta({ id: 'RelativeChange' });

export type Described = z.infer<typeof resolvedDescription>;
export type CountChange = z.infer<typeof countChangeSchema>;

/** The totals of a list of areas (HCHH areas, patrol areas): how many, their cells, km², incidents, harm and shares of the study area's. */
export const areaTotalsSchema = z.object({
  areas: z.number(),
  cells: z.number(),
  areaKm2: z.number(),
  incidents: z.number(),
  harm: z.number(),
  shareOfArea: z.number(),
  shareOfIncidents: z.number(),
  shareOfHarm: z.number(),
});

import { z } from 'zod';
import { MAX_RESOLUTION, MIN_RESOLUTION } from '../domain/h3cell';
import { periodCoverageSchema } from './coverageSchemas';

const RESOLUTION_RULE = `must be a whole number from ${MIN_RESOLUTION} to ${MAX_RESOLUTION}`;

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM, e.g. 2019-07');

/** Which force an answer is about: an ONS police force area code, or all (the loaded forces together). */
export const forceParam = z.string().regex(/^([EW]\d{8}|all)$/i, 'an ONS police force area code such as E23000004, or all').optional()
  .describe('the force: its ONS police force area code, or all for every loaded force together (default: the only force loaded; GET /api/forces lists them)');

/** Query parameters shared by every hotspot endpoint. */
export const analysisQuery = z.object({
  force: forceParam,
  resolution: z.coerce.number().int(RESOLUTION_RULE).min(MIN_RESOLUTION, RESOLUTION_RULE).max(MAX_RESOLUTION, RESOLUTION_RULE).default(9)
    .describe(`H3 resolution ${MIN_RESOLUTION}–${MAX_RESOLUTION} (9 ≈ 0.1 km² per cell)`),
  from: month.optional().describe('first month (default: the first month loaded)'),
  to: month.optional().describe('last month, inclusive (default: the last month loaded)'),
  definition: z.string().min(1).max(64).optional().describe('serious-violence definition key (default public-proxy)'),
  scheme: z.string().min(1).max(64).optional().describe('harm scheme key (default cchi when loaded, else count)'),
  source: z.union([z.string(), z.array(z.string())]).optional()
    .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)))
    .describe('restrict to sources, comma-separated (data.police.uk, force-extract)'),
  districts: z.union([z.string(), z.array(z.string())]).optional()
    .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)))
    .describe("study area for Gi*, HCHH and accuracy: these district codes, comma-separated (default all of the force's districts)"),
}).strict();

export type AnalysisQuery = z.infer<typeof analysisQuery>;

export const hchhQuery = analysisQuery.extend({
  crimeTopPercent: z.coerce.number().gt(0).max(100).default(1).describe('a cell is high-crime when in the top N % of study-area cells by count'),
  harmTopPercent: z.coerce.number().gt(0).max(100).default(1).describe('a cell is high-harm when in the top N % of study-area cells by harm'),
  minCells: z.coerce.number().int().min(1).max(1000).default(1).describe('drop areas with fewer cells'),
  maxAreas: z.coerce.number().int().min(1).max(1000).optional().describe('keep only the N areas with most harm'),
}).strict();

export const resolvedDescription = z.object({
  force: z.object({ codes: z.array(z.string()), name: z.string() }).describe('the force or forces the answer is about'),
  resolution: z.number(), from: z.string(), to: z.string(), monthCount: z.number(),
  definition: z.object({ key: z.string(), name: z.string(), isProxy: z.boolean() }),
  scheme: z.object({ key: z.string(), name: z.string(), unit: z.string() }),
  coverage: periodCoverageSchema,
});

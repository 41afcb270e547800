import { z } from 'zod';
import { Presenter, disclosureSchema } from '../disclosure';
import { disclosureNote } from '../../domain/disclosure';
import { EMERGING_CATEGORIES, SHORT_SERIES_CATEGORIES } from '../../domain/hotspots/emerging';
import type { Analysis } from '../../services/analysis';
import { HotspotStatistics } from '../../services/hotspotStatistics';
import type { Api } from '../api';
import { analysisQuery, resolvedDescription, month } from '../schemas';
import { periodCoverageSchema } from '../coverageSchemas';
import { round } from './hotspots';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

const gistarQuery = analysisQuery
  .extend({
    variable: z.enum(['count', 'harm']).default('count').describe('what Gi* tests: incident counts or harm'),
    k: z.coerce.number().int().min(1).max(5).default(1).describe('neighbours: the H3 k-ring, the cell itself included'),
    weights: z.enum(['binary', 'inverse-distance']).default('binary'),
    fdr: bool.default(true).describe('Benjamini–Hochberg false-discovery-rate correction of the confidence bins (on by default, as ArcGIS)'),
  })
  .strict();

const emergingQuery = gistarQuery
  .extend({
    timeStep: z.coerce.number().int().min(0).max(10).default(1).describe('months before each month in its neighbourhood (ArcGIS Neighborhood Time Step)'),
    globalWindow: z.enum(['cube', 'time-step']).default('cube'),
    alpha: z.enum(['0.1', '0.05', '0.01']).default('0.05').transform(Number).describe('significance of a hot or cold bin'),
    trendAlpha: z.coerce.number().gt(0).lt(1).default(0.05).describe('significance of the Mann-Kendall trend'),
    step: z.enum(['month', 'week']).default('month').describe('time step of the cube: months, or ISO weeks where every incident has a time (force extracts)'),
  })
  .strict();

/** The options a Gi* answer was computed with, and the confidence levels' p cut-offs (after FDR). */
const gistarOptions = z.object({
  variable: z.enum(['count', 'harm']),
  k: z.number(),
  weights: z.enum(['binary', 'inverse-distance']),
  fdr: z.boolean(),
  thresholds: z.record(z.string(), z.number()).describe('p cut-off per confidence level (0.01, 0.05, 0.1); −1 where no cell is significant'),
});

export const gistarResponse = resolvedDescription.extend({
  cells: z.array(z.string()),
  value: z.array(z.number().nullable()).describe('null where a partner\'s protected count is withheld ("<5")'),
  z: z.array(z.number()),
  p: z.array(z.number()),
  bin: z.array(z.number()),
  studyArea: z.object({ cells: z.number(), areaKm2: z.number(), basis: z.string() }),
  options: gistarOptions,
  disclosure: disclosureSchema.optional(),
});
export type Gistar = z.infer<typeof gistarResponse>;

export const emergingResponse = resolvedDescription.extend({
  cells: z.array(z.string()),
  category: z.array(z.string().nullable()),
  shortSeries: z.array(z.string().nullable()),
  trendTau: z.array(z.number().nullable()),
  trendP: z.array(z.number().nullable()),
  hotMonths: z.array(z.number().nullable()),
  counts: z.record(z.string(), z.number()),
  insufficient: z.string().nullable(),
  studyArea: z.object({ cells: z.number(), areaKm2: z.number(), basis: z.string() }),
  options: gistarOptions
    .omit({ thresholds: true })
    .extend({ timeStep: z.number(), globalWindow: z.string(), alpha: z.number(), trendAlpha: z.number(), step: z.enum(['month', 'week']) }),
  coverage: periodCoverageSchema.extend({
    used: z.object({ from: z.string(), to: z.string(), months: z.number() }).describe('the months the cube was built from: the longest run of complete months'),
  }),
  step: z.enum(['month', 'week']),
  steps: z.array(z.string()),
  disclosure: disclosureSchema.optional(),
});
export type Emerging = z.infer<typeof emergingResponse>;

export function statisticsRoutes(api: Api, analysis: Analysis): void {
  const stats = new HotspotStatistics(analysis);

  api.add({
    method: 'get',
    path: '/api/gistar',
    tag: 'statistics',
    access: 'read',
    cache: true,
    summary: 'Getis-Ord Gi* hot and cold spots over the study area (compact)',
    description:
      'Every study-area cell takes part, empty cells as zero. z as spdep::localG; p two-sided; bin −3…+3 at 99/95/90 % with Benjamini–Hochberg per level unless fdr=false.',
    query: gistarQuery,
    response: {
      description: 'parallel arrays over the study-area cells',
      schema: gistarResponse,
    },
    disclosure: true,
    handler: async ({ query }) => {
      const r = await analysis.resolve(query);
      const g = await stats.gistar(r, query);
      if (r.protection) {
        // Gi* is computed from the protected units; a cell's own value is shown only when its count may be.
        const p = new Presenter(r.protection);
        const truth = await analysis.trueCellTotals(r);
        const protectedCounts = new Map((await analysis.cellTotals(r)).map((c) => [c.cell, c.incidents]));
        const value = g.cells.map((c, i) => (p.count(protectedCounts.get(c) ?? 0, truth.get(c) ?? 0).value === null ? null : round(g.values[i]!)));
        return {
          ...analysis.describe(r),
          options: { variable: query.variable, k: query.k, weights: query.weights, fdr: query.fdr, thresholds: g.thresholds },
          studyArea: { ...g.studyArea, areaKm2: round(g.studyArea.areaKm2) },
          cells: g.cells,
          value,
          z: Array.from(g.z, (v) => round(v, 6)),
          p: Array.from(g.p, (v) => Number(v.toPrecision(6))),
          bin: Array.from(g.bins),
          disclosure: p.note(),
        };
      }
      return {
        ...analysis.describe(r),
        options: { variable: query.variable, k: query.k, weights: query.weights, fdr: query.fdr, thresholds: g.thresholds },
        studyArea: { ...g.studyArea, areaKm2: round(g.studyArea.areaKm2) },
        cells: g.cells,
        value: Array.from(g.values, (v) => round(v)),
        z: Array.from(g.z, (v) => round(v, 6)),
        p: Array.from(g.p, (v) => Number(v.toPrecision(6))),
        bin: Array.from(g.bins),
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/emerging',
    tag: 'statistics',
    access: 'read',
    cache: true,
    summary: 'Emerging hot spots: ArcGIS patterns on the monthly space-time cube, and sfhotspot short-series patterns',
    description: `Gi* per cell and month with a backward time window; significance per month with FDR; Mann-Kendall on each cell's z series. Categories: ${EMERGING_CATEGORIES.join(', ')}. Short series: ${SHORT_SERIES_CATEGORIES.join(', ')}.`,
    query: emergingQuery,
    response: {
      description: 'one category per study-area cell; insufficient says when the series is too short for the ArcGIS patterns',
      schema: emergingResponse,
    },
    disclosure: true,
    handler: async ({ query }) => {
      const r = await analysis.resolve(query);
      const e = await stats.emerging(r, query);
      const counts: Record<string, number> = {};
      for (const x of e.results) {
        const key = x.emerging?.category ?? x.shortSeries ?? 'none';
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return {
        ...analysis.describe(r),
        options: {
          variable: query.variable,
          k: query.k,
          weights: query.weights,
          fdr: query.fdr,
          timeStep: query.timeStep,
          globalWindow: query.globalWindow,
          alpha: query.alpha,
          trendAlpha: query.trendAlpha,
          step: query.step,
        },
        coverage: e.coverage,
        studyArea: { ...e.studyArea, areaKm2: round(e.studyArea.areaKm2) },
        insufficient: e.insufficient,
        counts,
        step: e.step,
        steps: e.months,
        cells: e.cells,
        category: e.results.map((x) => x.emerging?.category ?? null),
        shortSeries: e.results.map((x) => x.shortSeries),
        trendTau: e.results.map((x) => (x.emerging ? round(x.emerging.trend.tau, 4) : null)),
        trendP: e.results.map((x) => (x.emerging ? Number(x.emerging.trend.p.toPrecision(4)) : null)),
        hotMonths: e.results.map((x) => x.emerging?.hotSteps ?? null),
        // Categories from the protected monthly units: no count is shown.
        ...(r.protection ? { disclosure: disclosureNote(r.protection.rules, 0) } : {}),
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/accuracy',
    tag: 'statistics',
    access: 'read',
    cache: true,
    summary: 'How well hotspot selections made on one period predict a later one: hit rate, PAI, RRI at equal area',
    query: z
      .object({
        resolution: analysisQuery.shape.resolution,
        definition: analysisQuery.shape.definition,
        scheme: analysisQuery.shape.scheme,
        trainFrom: month,
        trainTo: month,
        evalFrom: month,
        evalTo: month,
        crimeTopPercent: z.coerce.number().gt(0).max(100).default(1),
        harmTopPercent: z.coerce.number().gt(0).max(100).default(1),
      })
      .strict()
      .refine((q) => q.trainTo < q.evalFrom, { message: 'the evaluation period must start after the training period ends', path: ['evalFrom'] }),
    response: {
      description: 'one row per selection rule',
      schema: z
        .object({
          resolution: z.number(),
          definition: resolvedDescription.shape.definition,
          scheme: resolvedDescription.shape.scheme,
          train: z.object({ from: z.string(), to: z.string() }).describe('the period the selections are made on'),
          evaluate: z.object({ from: z.string(), to: z.string() }).describe('the later period they are scored on'),
          budgetKm2: z.number().describe('the area every rule may select, km² (equal area, so the rules compare)'),
          studyArea: z.object({ cells: z.number(), areaKm2: z.number(), basis: z.string() }),
          rules: z.array(
            z.object({
              rule: z.string(),
              description: z.string(),
              cells: z.number(),
              areaKm2: z.number(),
              areaShare: z.number().describe('share (0–1) of the study area selected'),
              captured: z.number().describe('evaluation-period incidents inside the selection'),
              hitRate: z.number().describe("share (0–1) of the evaluation period's incidents inside the selection"),
              pai: z.number().describe('Predictive Accuracy Index: hit rate / area share (Chainey, Tompson & Uhlig 2008)'),
              rri: z.number().nullable().describe('Recapture Rate Index (Levine 2008); null when the training period has no incidents there'),
              harmHitRate: z.number().describe('the hit rate of harm'),
              harmPai: z.number(),
              harmRri: z.number().nullable(),
            }),
          ),
        })
        .meta({ id: 'Accuracy' }),
    },
    handler: async ({ query }) => {
      const train = await analysis.resolve({
        resolution: query.resolution,
        definition: query.definition,
        scheme: query.scheme,
        from: query.trainFrom,
        to: query.trainTo,
      });
      const evaluate = await analysis.resolve({
        resolution: query.resolution,
        definition: query.definition,
        scheme: query.scheme,
        from: query.evalFrom,
        to: query.evalTo,
      });
      const a = await stats.accuracy(train, evaluate, { crimeTopPercent: query.crimeTopPercent, harmTopPercent: query.harmTopPercent });
      const d = analysis.describe(train);
      return {
        resolution: query.resolution,
        definition: d.definition,
        scheme: d.scheme,
        train: { from: train.from, to: train.to },
        evaluate: { from: evaluate.from, to: evaluate.to },
        budgetKm2: round(a.budgetKm2, 4),
        studyArea: { ...a.studyArea, areaKm2: round(a.studyArea.areaKm2) },
        rules: a.rules.map((x) => ({
          ...x,
          areaKm2: round(x.areaKm2, 4),
          areaShare: round(x.areaShare, 6),
          hitRate: round(x.hitRate, 6),
          pai: round(x.pai, 4),
          rri: x.rri === null ? null : round(x.rri, 4),
          harmHitRate: round(x.harmHitRate, 6),
          harmPai: round(x.harmPai, 4),
          harmRri: x.harmRri === null ? null : round(x.harmRri, 4),
        })),
      };
    },
  });
}

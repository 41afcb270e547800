import { z } from 'zod';
import type { Db } from '../../db/connection';
import { METHOD_KEYS } from '../../domain/backtest/methods';
import type { Analysis } from '../../services/analysis';
import { BacktestService, PATROL_DEFAULTS } from '../../services/backtest';
import type { Api } from '../api';
import { backtestHtml } from '../pages/backtest';
import { sendPrintable } from '../pages/html';
import { analysisQuery, areaResolutionParam, areaTotalsSchema, maxDiameterParam, resolvedDescription } from '../schemas';
import { multiPolygon } from '../geojson';
import { round } from './hotspots';

const list = (what: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? undefined
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    )
    .describe(what);

const percentList = list('area budgets in % of the study area, comma-separated (default 0.25,0.5,1)')
  .refine(
    (v) => v === undefined || v.every((s) => /^\d*\.?\d+$/.test(s) && Number(s) > 0 && Number(s) <= 100),
    'budgets are percentages above 0 and at most 100, e.g. 0.25,0.5,1',
  )
  .transform((v) => v?.map((s) => Number(s) / 100));

export const backtestQuery = analysisQuery
  .extend({
    methods: list(`methods, comma-separated (default all): ${METHOD_KEYS.join(', ')}`).refine(
      (v) => v === undefined || v.every((m) => METHOD_KEYS.includes(m)),
      `methods must be among ${METHOD_KEYS.join(', ')}`,
    ),
    window: z.coerce
      .number()
      .int()
      .refine((w) => [3, 12, 24].includes(w), 'window must be 3, 12 or 24 months')
      .default(12)
      .describe('months of history each selection uses: 3, 12 (default) or 24'),
    budgets: percentList,
  })
  .strict();

const interval = z.object({ mean: z.number(), lower: z.number(), upper: z.number() }).meta({ id: 'Interval' });

export const backtestResponse = z.object({
  query: resolvedDescription,
  months: z.object({ first: z.string(), last: z.string(), count: z.number() }),
  studyArea: z.object({ cells: z.number(), areaKm2: z.number(), basis: z.string() }),
  methods: z.array(z.object({ key: z.string(), name: z.string(), description: z.string() })),
  options: z.object({
    windows: z.array(z.number()),
    horizons: z.array(z.number()),
    budgets: z.array(z.number()),
    minHistory: z.number(),
    tuneBudgetShare: z.number(),
  }),
  bootstrap: z.string(),
  rows: z.array(
    z.object({
      method: z.string(),
      window: z.number(),
      horizon: z.number(),
      budgetShare: z.number(),
      origins: z.number(),
      firstOrigin: z.string(),
      lastOrigin: z.string(),
      areaShare: z.number(),
      hitRate: interval,
      harmCaptured: interval,
      pai: interval,
      rri: interval.nullable(),
      stability: interval.nullable(),
      hitRateVsBaseline: interval.nullable(),
    }),
  ),
  chosen: z.array(z.object({ method: z.string(), window: z.number(), origin: z.string(), chosen: z.string() })),
});

export const patrolAreasQuery = analysisQuery
  .extend({
    method: z
      .enum(METHOD_KEYS as [string, ...string[]])
      .default(PATROL_DEFAULTS.method)
      .describe(`how predicted harm per cell is scored (default ${PATROL_DEFAULTS.method})`),
    window: z.coerce.number().int().min(1).max(60).default(PATROL_DEFAULTS.window).describe('months up to `to` the prediction is made from (default 12)'),
    maxAreas: z.coerce.number().int().min(1).max(100).default(PATROL_DEFAULTS.maxAreas).describe('at most this many areas (default 15)'),
    maxAreaKm2: z.coerce.number().gt(0).max(100).default(PATROL_DEFAULTS.maxAreaKm2).describe('each area at most this many km² (default 0.5)'),
    budgetPercent: z.coerce
      .number()
      .gt(0)
      .max(100)
      .default(PATROL_DEFAULTS.budgetShare * 100)
      .describe('all areas together at most this % of the study area (default 0.5)'),
    maxDiameterM: maxDiameterParam.default(PATROL_DEFAULTS.maxDiameterM),
    areaResolution: areaResolutionParam.optional(),
  })
  .strict();

export const patrolAreasResponse = z.object({
  query: resolvedDescription,
  method: z.object({ key: z.string(), name: z.string(), description: z.string() }),
  window: z.object({ from: z.string(), to: z.string(), months: z.number() }),
  limits: z.object({ maxAreas: z.number(), maxAreaKm2: z.number(), maxDiameterM: z.number(), budgetShare: z.number(), budgetKm2: z.number() }),
  cellResolution: z
    .number()
    .describe("H3 resolution of every area's cells and of the study area they are shares of: areaResolution (default 11, whatever resolution the map shows)"),
  cellResolutionWhy: z.string().optional().describe('why the cells are coarser than asked (a partner on restricted sources)'),
  studyArea: z.object({ cells: z.number(), areaKm2: z.number(), incidents: z.number(), harm: z.number(), basis: z.string(), resolution: z.number() }),
  rule: z.string(),
  areas: z.array(
    z.object({
      rank: z.number(),
      name: z.string(),
      cellIds: z.array(z.string()),
      areaKm2: z.number(),
      predicted: z.number(),
      incidents: z.number(),
      harm: z.number(),
      shareOfArea: z.number(),
      shareOfIncidents: z.number(),
      shareOfHarm: z.number(),
      polsbyPopper: z
        .number()
        .describe(
          "compactness of the area's outline, Polsby–Popper 4πA/P² of its cells (1 a circle, 0.91 one hexagon, about 0.7 a round beat, near 0 a chain)",
        ),
      outline: multiPolygon,
    }),
  ),
  totals: areaTotalsSchema,
});

const BOOTSTRAP_NOTE = 'means over origins; 95 % intervals from a moving-block bootstrap over origins (block 3, 2000 replicates, seed 20240615)';
const PATROL_RULE =
  'greedy region growing into solid beats: repeatedly grow an area by the path of free cells to a cell with harm (crossing up to two cells without harm) together with every cell its convex hull then takes in, choosing the most predicted harm per km² weighed by how round the area stays, or open a new area where a cell and its two rings of neighbours are densest; each area contiguous, without holes or bays, within its size and its width (no two cells further apart than maxDiameterM), apart from the others, and all within the budget';

const roundInterval = (x: { mean: number; lower: number; upper: number } | null, d = 4) =>
  x ? { mean: round(x.mean, d), lower: round(x.lower, d), upper: round(x.upper, d) } : null;

/** GET /api/backtest, as the printable page and the web client read it. */
export type BacktestAnswer = z.infer<typeof backtestResponse>;
/** GET /api/patrol-areas. */
export type PatrolAreasAnswer = z.infer<typeof patrolAreasResponse>;

export function backtestRoutes(api: Api, db: Db, analysis: Analysis): void {
  const service = new BacktestService(db, analysis);
  const run = async (query: z.infer<typeof backtestQuery>) => {
    const r = await analysis.resolve(query);
    const b = await service.backtest(r, { methods: query.methods, windows: [query.window], budgets: query.budgets });
    return {
      query: analysis.describe(r),
      months: b.months,
      studyArea: { ...b.studyArea, areaKm2: round(b.studyArea.areaKm2, 2) },
      methods: b.methods,
      options: b.options,
      bootstrap: BOOTSTRAP_NOTE,
      rows: b.rows.map((x) => ({
        ...x,
        areaShare: round(x.areaShare, 6),
        hitRate: roundInterval(x.hitRate)!,
        harmCaptured: roundInterval(x.harmCaptured)!,
        pai: roundInterval(x.pai, 2)!,
        rri: roundInterval(x.rri, 3),
        stability: roundInterval(x.stability),
        hitRateVsBaseline: roundInterval(x.hitRateVsBaseline, 3),
      })),
      chosen: b.chosen,
    };
  };

  api.add({
    method: 'get',
    path: '/api/backtest',
    tag: 'statistics',
    access: 'read',
    summary: 'Rolling-origin backtest of hotspot selection methods: next-month and next-3-months capture at area budgets',
    description:
      'For every origin month with at least 12 months (and the window) before it, each method selects cells from the window before the origin and is scored on the next 1 and 3 months: hit rate, harm captured, PAI, RRI at each area budget, stability between origins, and hit rate over the last-3-months ranking on the same origins; means with 95 % block-bootstrap intervals. No selection reads a month at or after its origin.',
    query: backtestQuery,
    response: { description: 'one row per method × horizon × budget', schema: backtestResponse },
    handler: async ({ query }) => run(query),
  });

  api.add({
    method: 'get',
    path: '/api/backtest.html',
    tag: 'statistics',
    access: 'export',
    cache: true,
    summary: 'Backtest of hotspot selection methods, printable (HTML with a capture-against-budget plot)',
    query: backtestQuery,
    response: { description: 'printable HTML', contentType: 'text/html' },
    handler: async ({ query, res }) => sendPrintable(res, backtestHtml(await run(query))),
  });

  api.add({
    method: 'get',
    path: '/api/patrol-areas',
    tag: 'patrol',
    access: 'read',
    summary: 'Areas a patrol plan can use: at most N contiguous areas, each patrollable, within an area budget, holding the most predicted harm',
    description: `Predicted harm per cell by the chosen method over the window up to \`to\`, on cells of areaResolution (default 11, as the HCHH patrol plan, whatever \`resolution\` the map shows); areas by ${PATROL_RULE}. Each area is named as HCHH areas are, with its share of the study area and of the window's incidents and harm.`,
    query: patrolAreasQuery,
    response: { description: 'the areas, largest predicted harm first', schema: patrolAreasResponse },
    handler: async ({ query }) => {
      const r = await analysis.resolve(query);
      const p = await service.patrolAreas(r, {
        method: query.method,
        window: query.window,
        maxAreas: query.maxAreas,
        maxAreaKm2: query.maxAreaKm2,
        maxDiameterM: query.maxDiameterM,
        budgetShare: query.budgetPercent / 100,
        areaResolution: query.areaResolution,
      });
      return {
        ...p,
        query: analysis.describe(r),
        rule: PATROL_RULE,
        areas: p.areas.map((a) => ({
          ...a,
          areaKm2: round(a.areaKm2, 4),
          predicted: round(a.predicted, 3),
          harm: round(a.harm, 1),
          shareOfArea: round(a.shareOfArea, 6),
          shareOfIncidents: round(a.shareOfIncidents, 6),
          shareOfHarm: round(a.shareOfHarm, 6),
          polsbyPopper: round(a.polsbyPopper, 3),
        })),
      };
    },
  });
}

import { z } from 'zod';
import type { Db } from '../../db/connection';
import type { Analysis } from '../../services/analysis';
import { PatrolBriefingService } from '../../services/patrolBriefing';
import { sendCsv, type Api } from '../api';
import { briefingHtml } from '../pages/patrolBriefing';
import { sendPrintable } from '../pages/html';
import { hchhQuery, hchhRequestOf, isoDateTime, resolvedDescription } from '../schemas';
import { multiPolygon } from '../geojson';
import { round } from './hotspots';

export const briefingQuery = hchhQuery
  .extend({
    areas: z
      .string()
      .regex(/^\s*[1-9]\d{0,3}(\s*,\s*[1-9]\d{0,3})*\s*$/, 'HCHH area ranks, comma-separated, e.g. 1,3,5')
      .optional()
      .transform((v) => (v === undefined ? undefined : [...new Set(v.split(',').map((s) => Number(s.trim())))]))
      .describe('only these HCHH areas, by rank in /api/hchh (default all)'),
    streets: z.coerce.number().int('must be a whole number').min(1).max(500).default(10).describe('streets listed per area, most harm first (default 10)'),
  })
  .strict();

const counted = { incidents: z.number(), harm: z.number() };
const briefingArea = z.object({
  rank: z.number().describe('rank in /api/hchh (1 = most harm)'),
  name: z.string(),
  cells: z.number(),
  cellIds: z.array(z.string()),
  areaKm2: z.number().describe('km²'),
  ...counted,
  shareOfIncidents: z.number().describe("share (0–1) of the study area's incidents"),
  shareOfHarm: z.number(),
  outline: multiPolygon,
  streets: z.array(z.object({ street: z.string(), ...counted })).describe('most harm first'),
  peakMonths: z.array(z.object({ month: z.string(), ...counted })),
  peakTimes: z
    .discriminatedUnion('available', [
      z.object({ available: z.literal(false), statement: z.string() }),
      z.object({
        available: z.literal(true),
        statement: z.string(),
        timed: z.number().describe('incidents with a recorded time'),
        untimed: z.number(),
        days: z.array(z.object({ day: z.string(), incidents: z.number() })),
        hours: z.array(z.object({ hour: z.string(), incidents: z.number() })),
      }),
    ])
    .describe('peak days and hours (UK time) where incidents carry times; a statement where not'),
  visits: z
    .array(z.object({ order: z.number(), street: z.string(), minutes: z.string().describe('e.g. "15–20"'), when: z.string() }))
    .describe('suggested visits to the streets with most harm; guidance says why'),
});
export const briefingResponse = resolvedDescription
  .extend({
    rule: z.string().describe('the HCHH rule in words'),
    dataRefresh: z.object({
      latestMonthLoaded: z.string().nullable(),
      lastImport: isoDateTime.nullable().describe('when the data were last imported'),
    }),
    guidance: z.string(),
    streetsRule: z.string(),
    areas: z.array(briefingArea),
  })
  .meta({ id: 'PatrolBriefing' });

export function patrolBriefingRoutes(api: Api, db: Db, analysis: Analysis, dataDir: string): void {
  const service = new PatrolBriefingService(db, analysis, dataDir);
  const run = async (query: z.infer<typeof briefingQuery>, withRoads: boolean) => {
    const r = await analysis.resolve(query);
    return service.briefing(r, hchhRequestOf(query), query.areas, withRoads, query.streets);
  };

  api.add({
    method: 'get',
    path: '/api/patrol-briefing',
    tag: 'patrol',
    access: 'record',
    cache: true,
    summary: 'Hotspot patrol briefing for the High Crime High Harm areas (JSON)',
    description:
      'For each HCHH area (as /api/hchh, or those chosen with areas=1,3,5): outline, streets with incidents and harm, peak months, peak days and hours where incident times exist (a statement where not), suggested 15–20 minute visits (Home Office Grip programme) and the latest month loaded. See docs/patrol-briefing.md.',
    query: briefingQuery,
    response: { description: 'the briefing', schema: briefingResponse },
    handler: async ({ query }) => {
      const { areas, ...rest } = await run(query, false);
      return { ...rest, areas: areas.map(({ box: _box, ...a }) => a) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/patrol-briefing.html',
    tag: 'patrol',
    access: 'record-export',
    summary: 'Hotspot patrol briefing, printable (HTML, one page per area)',
    description:
      'Self-contained HTML with a print stylesheet: a cover, then per area an inline SVG outline map with the OpenStreetMap streets of the offline basemap, the streets table, peak months and times, suggested visits and the data refresh date.',
    query: briefingQuery,
    response: { description: 'printable HTML', contentType: 'text/html' },
    handler: async ({ query, res }) => {
      const b = await run(query, true);
      return sendPrintable(res, briefingHtml(b));
    },
  });

  api.add({
    method: 'get',
    path: '/api/patrol-briefing.csv',
    tag: 'exports',
    access: 'record-export',
    summary: 'Hotspot patrol briefing as a spreadsheet-safe CSV for patrol-tasking systems',
    description:
      'One row per area and street (most harm first), with the suggested visit (order, minutes, when) for the streets to visit, peak months, the peak-time statement and the latest month loaded.',
    query: briefingQuery,
    response: { description: 'one row per area and street', contentType: 'text/csv' },
    handler: async ({ query, res }) => {
      const b = await run(query, false);
      const rows = b.areas.flatMap((a) =>
        a.streets.map((s) => {
          const visit = a.visits.find((v) => v.street === s.street);
          return {
            area_rank: a.rank,
            area_name: a.name,
            street: s.street,
            incidents: s.incidents,
            harm: round(s.harm),
            harm_unit: b.scheme.unit,
            visit_order: visit?.order ?? '',
            visit_minutes: visit?.minutes ?? '',
            visit_when: visit?.when ?? '',
            area_incidents: a.incidents,
            area_harm: a.harm,
            peak_months: a.peakMonths.map((m) => `${m.month} (${m.incidents})`).join('; '),
            peak_times: a.peakTimes.statement,
            latest_month_loaded: b.dataRefresh.latestMonthLoaded ?? '',
            from: b.from,
            to: b.to,
            definition: b.definition.name,
            cell_ids: a.cellIds.join(' '),
          };
        }),
      );
      return sendCsv(res, `harmgrid-patrol-briefing-r${b.resolution}-${b.from}-${b.to}.csv`, rows);
    },
  });
}

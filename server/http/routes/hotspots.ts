import { z } from 'zod';
import { cellToLatLng, getResolution } from 'h3-js';
import { parseCellId } from '../../domain/h3cell';
import { monthRange } from '../../domain/months';
import { cellPolygon, cellsOutline, type Analysis } from '../../services/analysis';
import { sendCsv, type Api } from '../api';
import { HttpError } from '../httpError';
import { analysisQuery, hchhQuery, hchhRequestOf, resolvedDescription } from '../schemas';
import { round } from '../../domain/round';

const geojson = z.object({ type: z.literal('FeatureCollection'), features: z.array(z.any()) }).passthrough();

export function hotspotRoutes(api: Api, analysis: Analysis): void {
  api.add({
    method: 'get',
    path: '/api/cells',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'Incidents and harm per H3 cell (compact)',
    description: 'Parallel arrays, highest harm first: about a third of the bytes of the same cells as GeoJSON; the client draws hexagons from the ids.',
    query: analysisQuery
      .extend({
        zeros: z
          .enum(['true', 'false'])
          .default('false')
          .transform((v) => v === 'true')
          .describe('also every empty cell of the study area (cells whose centre lies in the districts), after the cells with incidents'),
      })
      .strict(),
    response: {
      description: 'cells with at least one incident (and, with zeros=true, the empty study-area cells)',
      schema: resolvedDescription.extend({ cells: z.array(z.string()), incidents: z.array(z.number()), harm: z.array(z.number()) }),
    },
    handler: async ({ query }) => {
      const { zeros, ...rest } = query;
      const r = await analysis.resolve(rest);
      const cells: { cell: string; incidents: number; harm: number }[] = await analysis.cells(r);
      if (zeros) {
        const seen = new Set(cells.map((c) => c.cell));
        for (const c of (await analysis.studyArea(r)).cells) if (!seen.has(c.cell) && c.incidents === 0) cells.push(c);
      }
      return { ...analysis.describe(r), cells: cells.map((c) => c.cell), incidents: cells.map((c) => c.incidents), harm: cells.map((c) => round(c.harm)) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/cells/by-month',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'Incidents and harm per cell and month, for animation',
    query: analysisQuery,
    response: {
      description: 'matrices indexed [month][cell]',
      schema: resolvedDescription.extend({
        months: z.array(z.string()),
        cells: z.array(z.string()),
        incidents: z.array(z.array(z.number())),
        harm: z.array(z.array(z.number())),
        max: z.object({ incidents: z.number(), harm: z.number() }),
      }),
    },
    handler: async ({ query }) => {
      const r = await analysis.resolve(query);
      const rows = await analysis.cellMonthTotals(r);
      const months = monthRange(r.from, r.to);
      const monthIndex = new Map(months.map((m, i) => [m, i]));
      const cells = [...new Set(rows.map((x) => x.cell))].sort();
      const cellIndex = new Map(cells.map((c, i) => [c, i]));
      const incidents = months.map(() => new Array<number>(cells.length).fill(0));
      const harm = months.map(() => new Array<number>(cells.length).fill(0));
      let maxIncidents = 0,
        maxHarm = 0;
      for (const x of rows) {
        const m = monthIndex.get(x.month) as number,
          c = cellIndex.get(x.cell) as number;
        incidents[m]![c] = x.incidents;
        harm[m]![c] = round(x.harm);
        maxIncidents = Math.max(maxIncidents, x.incidents);
        maxHarm = Math.max(maxHarm, x.harm);
      }
      return { ...analysis.describe(r), months: months, cells, incidents, harm, max: { incidents: maxIncidents, harm: round(maxHarm) } };
    },
  });

  api.add({
    method: 'get',
    path: '/api/hotspots',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'Hotspot cells as GeoJSON hexagons with count, harm and rank',
    query: analysisQuery.extend({ limit: z.coerce.number().int().min(1).max(200000).optional().describe('only the N cells with most harm') }).strict(),
    response: { description: 'GeoJSON FeatureCollection', schema: geojson, contentType: 'application/geo+json' },
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const cells = await analysis.cells(r);
      const shown = query.limit ? cells.slice(0, query.limit) : cells;
      res.type('application/geo+json');
      return {
        type: 'FeatureCollection',
        ...analysis.describe(r),
        features: shown.map((c) => ({
          type: 'Feature',
          id: c.cell,
          geometry: cellPolygon(c.cell),
          properties: { cell: c.cell, incidents: c.incidents, harm: round(c.harm), rank: c.rank },
        })),
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/cells/:cell/series',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'Monthly incidents and harm of one cell',
    params: z.object({ cell: z.string().describe('H3 cell id, resolution 7–11') }),
    query: analysisQuery.omit({ resolution: true }).strict(),
    response: {
      description: 'one value per month of the period, zeros included',
      schema: resolvedDescription.extend({ cell: z.string(), months: z.array(z.string()), incidents: z.array(z.number()), harm: z.array(z.number()) }),
    },
    handler: async ({ params, query }) => {
      let cell: string;
      try {
        cell = parseCellId(params.cell).cell;
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
      const r = await analysis.resolve({ ...query, resolution: getResolution(cell) });
      const rows = await analysis.cellSeries(r, cell);
      const byMonth = new Map(rows.map((x) => [x.month, x]));
      const months = monthRange(r.from, r.to);
      return {
        ...analysis.describe(r),
        cell,
        months: months,
        incidents: months.map((m) => byMonth.get(m)?.incidents ?? 0),
        harm: months.map((m) => round(byMonth.get(m)?.harm ?? 0)),
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/hchh',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'High Crime High Harm areas as GeoJSON with their statistics',
    description:
      'By default (rule=patrol-plan) the areas a patrol plan can use: at most 15 contiguous areas of at most 0.5 km², apart, together at most 0.5 % of the study area, holding the most harm of the period. rule=merseyside: cells in the top crimeTopPercent % by count AND the top harmTopPercent % by harm of the study area, merged where they touch. Ranked by harm.',
    query: hchhQuery,
    response: { description: 'GeoJSON FeatureCollection of areas, with totals and thresholds', schema: geojson, contentType: 'application/geo+json' },
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const result = await analysis.hchh(r, hchhRequestOf(query));
      res.type('application/geo+json');
      return {
        type: 'FeatureCollection',
        ...analysis.describe(r),
        rule: result.rule.text,
        ruleKey: result.rule.key,
        ...(result.thresholds ? { thresholds: { minIncidents: result.thresholds.minIncidents, minHarm: round(result.thresholds.minHarm) } } : {}),
        studyArea: { ...result.studyArea, areaKm2: round(result.studyArea.areaKm2), harm: round(result.studyArea.harm) },
        totals: roundAll(result.totals),
        features: result.areas.map((a) => ({
          type: 'Feature',
          id: a.rank,
          geometry: cellsOutline(a.cells),
          properties: {
            rank: a.rank,
            name: a.name,
            cells: a.cells.length,
            cellIds: a.cells,
            areaKm2: round(a.areaKm2),
            incidents: a.incidents,
            harm: round(a.harm),
            shareOfArea: round(a.shareOfArea, 6),
            shareOfIncidents: round(a.shareOfIncidents, 6),
            shareOfHarm: round(a.shareOfHarm, 6),
            topLocations: a.topLocations.map((l) => ({ ...l, harm: round(l.harm) })),
          },
        })),
      };
    },
  });
}

export function hotspotExportRoutes(api: Api, analysis: Analysis): void {
  api.add({
    method: 'get',
    path: '/api/hotspots.csv',
    tag: 'exports',
    access: 'export',
    summary: 'Hotspot cells as a spreadsheet-safe CSV',
    query: analysisQuery,
    response: { description: 'one row per cell: id, centre, incidents, harm, rank, and the definition and scheme used', contentType: 'text/csv' },
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const d = analysis.describe(r);
      const rows = (await analysis.cells(r)).map((c) => {
        const [lat, lng] = cellToLatLng(c.cell);
        return {
          rank: c.rank,
          cell: c.cell,
          resolution: r.resolution,
          centre_lat: round(lat, 6),
          centre_lng: round(lng, 6),
          incidents: c.incidents,
          harm: round(c.harm),
          harm_unit: d.scheme.unit,
          definition: d.definition.name,
          from: d.from,
          to: d.to,
        };
      });
      return sendCsv(res, `harmgrid-hotspots-r${r.resolution}-${d.from}-${d.to}.csv`, rows);
    },
  });

  api.add({
    method: 'get',
    path: '/api/hchh.csv',
    tag: 'exports',
    access: 'export',
    summary: 'High Crime High Harm areas as a spreadsheet-safe CSV',
    query: hchhQuery,
    response: { description: 'one row per area', contentType: 'text/csv' },
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const d = analysis.describe(r);
      const result = await analysis.hchh(r, hchhRequestOf(query));
      const rows = result.areas.map((a) => ({
        rank: a.rank,
        name: a.name,
        cells: a.cells.length,
        area_km2: round(a.areaKm2),
        incidents: a.incidents,
        harm: round(a.harm),
        harm_unit: d.scheme.unit,
        share_of_area: round(a.shareOfArea, 6),
        share_of_incidents: round(a.shareOfIncidents, 6),
        share_of_harm: round(a.shareOfHarm, 6),
        rule: result.rule.text,
        top_locations: a.topLocations.map((l) => `${l.location} (${l.incidents})`).join('; '),
        cell_ids: a.cells.join(' '),
        definition: d.definition.name,
        from: d.from,
        to: d.to,
      }));
      return sendCsv(res, `harmgrid-hchh-r${r.resolution}-${d.from}-${d.to}.csv`, rows);
    },
  });
}

export { round };

function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k.startsWith('share') ? round(v, 6) : round(v)])) as T;
}

import { z } from 'zod';
import { cellToLatLng, getResolution } from 'h3-js';
import { parseCellId } from '../../domain/h3cell';
import { monthRange } from '../../domain/months';
import { HCHH_RULES } from '../../domain/hchh';
import { cellPolygon, cellsOutline, type Analysis, type ResolvedParams } from '../../services/analysis';
import { sendCsv, type Api } from '../api';
import { HttpError } from '../httpError';
import { analysisQuery, areaTotalsSchema, hchhQuery, hchhRequestOf, resolvedDescription } from '../schemas';
import { multiPolygon } from '../geojson';
import { round } from '../../domain/round';
import { Presenter, disclosureSchema, presentCells } from '../disclosure';
import { rulesText } from '../../domain/disclosure';
import { CELL_LAYER, cellTile, maxTileZoom } from '../cellTiles';

const TILE_TYPE = 'application/vnd.mapbox-vector-tile';

/** The query of the map's cells: the analysis query, and whether the study area's empty cells come too. */
const cellsQuery = analysisQuery
  .extend({
    zeros: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('also every empty cell of the study area (cells whose centre lies in the districts), after the cells with incidents'),
  })
  .strict();

const withheld = 'null where a partner\'s protected count is withheld ("<5")';
/** GET /api/hotspots: every cell with incidents as a GeoJSON hexagon, most harm first. */
export const hotspotsResponse = resolvedDescription
  .extend({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string(),
        geometry: z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()))) }),
        properties: z.object({
          cell: z.string(),
          incidents: z.number().nullable().describe(withheld),
          incidentsShown: z.string().optional(),
          harm: z.number().nullable().describe(withheld),
          rank: z.number().nullable(),
        }),
      }),
    ),
    disclosure: disclosureSchema.optional(),
  })
  .meta({ id: 'HotspotCells' });

/** GET /api/hchh: the areas as GeoJSON features with their statistics, the rule in words and the study area. */
export const hchhResponse = resolvedDescription
  .extend({
    type: z.literal('FeatureCollection'),
    rule: z.string().describe('the rule in words, as pages and exports print it'),
    ruleKey: z.enum(HCHH_RULES),
    cellResolution: z
      .number()
      .describe(
        "H3 resolution of every area's cells (cellIds) and of the study area they are shares of: areaResolution for the patrol plan (default 11, whatever resolution the map shows), resolution for the merseyside rule",
      ),
    thresholds: z.object({ minIncidents: z.number(), minHarm: z.number() }).optional().describe('the merseyside rule only'),
    studyArea: z.object({ cells: z.number(), resolution: z.number(), areaKm2: z.number(), incidents: z.number(), harm: z.number(), basis: z.string() }),
    totals: areaTotalsSchema,
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.number(),
        geometry: multiPolygon,
        properties: z.object({
          rank: z.number(),
          name: z.string(),
          cells: z.number(),
          cellIds: z.array(z.string()),
          areaKm2: z.number(),
          incidents: z.number().nullable().describe(withheld),
          incidentsShown: z.string().optional(),
          harm: z.number().nullable().describe(withheld),
          shareOfArea: z.number(),
          shareOfIncidents: z.number().nullable(),
          shareOfHarm: z.number().nullable(),
          topLocations: z.array(z.object({ location: z.string(), incidents: z.number(), harm: z.number() })),
        }),
      }),
    ),
    disclosure: disclosureSchema.optional(),
  })
  .meta({ id: 'HchhAreas' });

export function hotspotRoutes(api: Api, analysis: Analysis): void {
  api.add({
    method: 'get',
    path: '/api/cells',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'Incidents and harm per H3 cell (compact)',
    description: 'Parallel arrays, highest harm first: about a third of the bytes of the same cells as GeoJSON; the client draws hexagons from the ids.',
    query: cellsQuery,
    response: {
      description: 'cells with at least one incident (and, with zeros=true, the empty study-area cells)',
      schema: cellsResponse,
    },
    disclosure: true,
    handler: async ({ query }) => {
      const { zeros, ...rest } = query;
      const r = await analysis.resolve(rest);
      if (r.protection) {
        const cells = await analysis.cells(r);
        const p = new Presenter(r.protection);
        const shown = presentCells(p, cells, await analysis.trueCellTotals(r));
        if (zeros) {
          const seen = new Set(shown.map((c) => c.cell));
          for (const c of (await analysis.studyArea(r)).cells) if (!seen.has(c.cell) && c.incidents === 0) shown.push({ ...c, rank: 0, incidentsShown: '0' });
        }
        return {
          ...analysis.describe(r),
          cells: shown.map((c) => c.cell),
          incidents: shown.map((c) => c.incidents),
          incidentsShown: shown.map((c) => c.incidentsShown),
          harm: shown.map((c) => (c.harm === null ? null : round(c.harm))),
          disclosure: p.note(),
        };
      }
      const cells = await analysis.mapCells(r, zeros);
      return { ...analysis.describe(r), cells: cells.map((c) => c.cell), incidents: cells.map((c) => c.incidents), harm: cells.map((c) => round(c.harm)) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/cells/summary',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'What the cell tiles of a query hold: counts, the largest values (the colour scale) and the extent',
    description:
      'The small answer a map needs before it asks for cell tiles: the same cells as /api/cells for the same query, counted, their largest incidents and harm, their extent and the tiles URL.',
    query: cellsQuery,
    response: {
      description: 'counts, maxima, extent and tile template',
      schema: resolvedDescription.extend({
        cells: z.number().describe('cells in the tiles'),
        withIncidents: z.number(),
        empty: z.number().describe('empty study-area cells (zeros=true)'),
        max: z.object({ incidents: z.number(), harm: z.number() }),
        bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable().describe('[west, south, east, north] of the hexagons'),
        tiles: z.object({ url: z.string().describe('template, {z}/{x}/{y}'), layer: z.string(), minzoom: z.number(), maxzoom: z.number() }),
      }),
    },
    handler: async ({ query, req }) => {
      const { zeros, ...rest } = query;
      const r = await analysis.resolve(rest);
      const index = await analysis.cellIndex(r, zeros);
      let maxIncidents = 0,
        maxHarm = 0,
        withIncidents = 0;
      for (const c of index.cells) {
        if (c.incidents > 0) withIncidents++;
        maxIncidents = Math.max(maxIncidents, c.incidents);
        maxHarm = Math.max(maxHarm, c.harm);
      }
      const search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      return {
        ...analysis.describe(r),
        cells: index.cells.length,
        withIncidents,
        empty: index.cells.length - withIncidents,
        max: { incidents: maxIncidents, harm: round(maxHarm) },
        bounds: index.bounds,
        tiles: { url: `/api/cells/tiles/{z}/{x}/{y}.mvt${search}`, layer: CELL_LAYER, minzoom: 0, maxzoom: maxTileZoom(r.resolution) },
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/cells/tiles/:z/:x/:y.mvt',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'The cells of /api/cells as Mapbox Vector Tiles',
    description:
      'Every cell whose hexagon meets the tile (with a 64-unit buffer), as polygons in the layer "cells" with the properties cell, incidents, harm and rank (0: an empty study-area cell); the same numbers as /api/cells for the same query. Empty body when no cell is near. Above the zoom /api/cells/summary gives, a map stretches the last tiles.',
    params: z.object({
      z: z.coerce.number().int().min(0).max(16).describe('zoom 0–16'),
      x: z.coerce.number().int().min(0),
      y: z.coerce.number().int().min(0),
    }),
    query: cellsQuery,
    response: { description: 'Mapbox Vector Tile (protobuf, version 2)', contentType: TILE_TYPE },
    handler: async ({ params, query, res }) => {
      const { z: zoom, x, y } = params;
      if (x >= 2 ** zoom || y >= 2 ** zoom)
        throw new HttpError(400, `invalid path: tile ${x}/${y} does not exist at zoom ${zoom} (x and y run 0–${2 ** zoom - 1})`);
      const { zeros, ...rest } = query;
      const r = await analysis.resolve(rest);
      const tile = cellTile(await analysis.cellIndex(r, zeros), zoom, x, y);
      res.type(TILE_TYPE);
      return Buffer.from(tile.buffer, tile.byteOffset, tile.byteLength);
    },
  });

  api.add({
    method: 'get',
    path: '/api/cells/top',
    tag: 'hotspots',
    access: 'read',
    cache: true,
    summary: 'The cells with most harm (or incidents) in a box: the top cells in a map view',
    query: cellsQuery
      .extend({
        bbox: z
          .string()
          .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'bbox is west,south,east,north in degrees')
          .describe('west,south,east,north in degrees'),
        by: z.enum(['harm', 'incidents']).default('harm'),
        limit: z.coerce.number().int().min(1).max(100).default(10),
      })
      .strict(),
    response: {
      description: 'cells with incidents whose hexagon box meets the box, most first; ties by incidents, then cell id',
      schema: z.object({ cells: z.array(z.object({ cell: z.string(), incidents: z.number(), harm: z.number(), rank: z.number() })) }),
    },
    handler: async ({ query }) => {
      const { zeros, bbox, by, limit, ...rest } = query;
      const r = await analysis.resolve(rest);
      const box = bbox.split(',').map(Number) as [number, number, number, number];
      const top = (await analysis.cellIndex(r, zeros)).top(box, by, limit);
      return { cells: top.map((c) => ({ cell: c.cell, incidents: c.incidents, harm: round(c.harm), rank: c.rank })) };
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
      schema: cellsByMonthResponse,
    },
    disclosure: true,
    handler: async ({ query }) => {
      const r = await analysis.resolve(query);
      const rows: { cell: string; month: string; incidents: number | null; harm: number | null }[] = await analysis.cellMonthTotals(r);
      const p = r.protection ? new Presenter(r.protection) : null;
      if (p) {
        const truth = await analysis.trueUnits(r, r.resolution);
        const seen = new Set(rows.map((x) => `${x.cell}|${x.month}`));
        for (const [key, n] of truth) {
          if (n > 0 && !seen.has(key)) {
            const [cell, month] = key.split('|') as [string, string];
            rows.push({ cell, month, incidents: 0, harm: 0 });
          }
        }
        for (const x of rows) {
          const s = p.count(x.incidents ?? 0, truth.get(`${x.cell}|${x.month}`) ?? 0);
          x.harm = p.harm(x.harm ?? 0, s);
          x.incidents = s.value;
        }
      }
      const months = monthRange(r.from, r.to);
      const monthIndex = new Map(months.map((m, i) => [m, i]));
      const cells = [...new Set(rows.map((x) => x.cell))].sort();
      const cellIndex = new Map(cells.map((c, i) => [c, i]));
      const incidents = months.map(() => new Array<number | null>(cells.length).fill(0));
      const harm = months.map(() => new Array<number | null>(cells.length).fill(0));
      let maxIncidents = 0,
        maxHarm = 0;
      for (const x of rows) {
        const m = monthIndex.get(x.month) as number,
          c = cellIndex.get(x.cell) as number;
        incidents[m]![c] = x.incidents;
        harm[m]![c] = x.harm === null ? null : round(x.harm);
        maxIncidents = Math.max(maxIncidents, x.incidents ?? 0);
        maxHarm = Math.max(maxHarm, x.harm ?? 0);
      }
      return {
        ...analysis.describe(r),
        months: months,
        cells,
        incidents,
        harm,
        max: { incidents: maxIncidents, harm: round(maxHarm) },
        ...(p ? { disclosure: p.note() } : {}),
      };
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
    response: { description: 'GeoJSON FeatureCollection', schema: hotspotsResponse, contentType: 'application/geo+json' },
    disclosure: true,
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const cells = await analysis.cells(r);
      res.type('application/geo+json');
      if (r.protection) {
        const p = new Presenter(r.protection);
        const all = presentCells(p, cells, await analysis.trueCellTotals(r));
        const limited = query.limit ? all.slice(0, query.limit) : all;
        return {
          type: 'FeatureCollection',
          ...analysis.describe(r),
          features: limited.map((c) => ({
            type: 'Feature',
            id: c.cell,
            geometry: cellPolygon(c.cell),
            properties: {
              cell: c.cell,
              incidents: c.incidents,
              incidentsShown: c.incidentsShown,
              harm: c.harm === null ? null : round(c.harm),
              rank: c.rank ?? null,
            },
          })),
          disclosure: p.note(),
        };
      }
      const shown = query.limit ? cells.slice(0, query.limit) : cells;
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
      schema: seriesResponse,
    },
    disclosure: true,
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
      if (r.protection) {
        const p = new Presenter(r.protection);
        const truth = await analysis.trueUnits(r, r.resolution);
        const shown = months.map((m) => {
          const s = p.count(byMonth.get(m)?.incidents ?? 0, truth.get(`${cell}|${m}`) ?? 0);
          const h = p.harm(byMonth.get(m)?.harm ?? 0, s);
          return { ...s, harm: h === null ? null : round(h) };
        });
        return {
          ...analysis.describe(r),
          cell,
          months,
          incidents: shown.map((s) => s.value),
          incidentsShown: shown.map((s) => s.shown),
          harm: shown.map((s) => s.harm),
          disclosure: p.note(),
        };
      }
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
      'By default (rule=patrol-plan) the areas a patrol plan can use: at most 15 contiguous, solid areas (every cell inside an area’s convex hull belongs to it) of at most 0.5 km² and at most 1,200 m across (maxDiameterM), apart (neither touching nor reaching into one another’s hull), together at most 0.5 % of the study area, holding the most harm of the period, built from resolution-11 cells (areaResolution) whatever resolution the map shows. rule=merseyside: cells in the top crimeTopPercent % by count AND the top harmTopPercent % by harm of the study area, merged where they touch, at the requested resolution. Ranked by harm.',
    query: hchhQuery,
    response: { description: 'GeoJSON FeatureCollection of areas, with totals and thresholds', schema: hchhResponse, contentType: 'application/geo+json' },
    disclosure: true,
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const result = await analysis.hchh(r, hchhRequestOf(query));
      res.type('application/geo+json');
      const p = r.protection ? new Presenter(r.protection) : null;
      const shownOf = p ? await hchhShown(analysis, r, p, result) : null;
      return {
        type: 'FeatureCollection',
        ...analysis.describe(r),
        rule: result.rule.text,
        ruleKey: result.rule.key,
        cellResolution: result.cellResolution,
        ...(result.thresholds ? { thresholds: { minIncidents: result.thresholds.minIncidents, minHarm: round(result.thresholds.minHarm) } } : {}),
        studyArea: { ...result.studyArea, areaKm2: round(result.studyArea.areaKm2), harm: round(result.studyArea.harm) },
        totals: roundAll(result.totals),
        features: result.areas.map((a, i) => ({
          type: 'Feature',
          id: a.rank,
          geometry: cellsOutline(a.cells),
          properties: {
            rank: a.rank,
            name: a.name,
            cells: a.cells.length,
            cellIds: a.cells,
            areaKm2: round(a.areaKm2),
            incidents: shownOf ? shownOf[i]!.value : a.incidents,
            ...(shownOf ? { incidentsShown: shownOf[i]!.shown } : {}),
            harm: shownOf?.[i]?.value === null ? null : round(a.harm),
            shareOfArea: round(a.shareOfArea, 6),
            shareOfIncidents: shownOf?.[i]?.value === null ? null : round(a.shareOfIncidents, 6),
            shareOfHarm: shownOf?.[i]?.value === null ? null : round(a.shareOfHarm, 6),
            topLocations: a.topLocations.map((l) => ({ ...l, harm: round(l.harm) })),
          },
        })),
        ...(p ? { disclosure: p.note() } : {}),
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
    disclosure: true,
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const d = analysis.describe(r);
      const p = r.protection ? new Presenter(r.protection) : null;
      const cells = await analysis.cells(r);
      const listed = p ? presentCells(p, cells, await analysis.trueCellTotals(r)) : cells.map((c) => ({ ...c, incidentsShown: String(c.incidents) }));
      const rows = listed.map((c) => {
        const [lat, lng] = cellToLatLng(c.cell);
        return {
          rank: c.rank ?? '',
          cell: c.cell,
          resolution: r.resolution,
          centre_lat: round(lat, 6),
          centre_lng: round(lng, 6),
          incidents: p ? c.incidentsShown : c.incidents,
          harm: c.harm === null ? '' : round(c.harm),
          harm_unit: d.scheme.unit,
          definition: d.definition.name,
          from: d.from,
          to: d.to,
        };
      });
      return sendCsv(res, `harmgrid-hotspots-r${r.resolution}-${d.from}-${d.to}.csv`, rows, p ? csvPreamble(p) : []);
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
    disclosure: true,
    handler: async ({ query, res }) => {
      const r = await analysis.resolve(query);
      const d = analysis.describe(r);
      const result = await analysis.hchh(r, hchhRequestOf(query));
      const p = r.protection ? new Presenter(r.protection) : null;
      const shownOf = p ? await hchhShown(analysis, r, p, result) : null;
      const rows = result.areas.map((a, i) => ({
        rank: a.rank,
        name: a.name,
        cells: a.cells.length,
        cell_resolution: result.cellResolution,
        area_km2: round(a.areaKm2),
        incidents: shownOf ? shownOf[i]!.shown : a.incidents,
        harm: shownOf?.[i]?.value === null ? '' : round(a.harm),
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
      return sendCsv(res, `harmgrid-hchh-r${r.resolution}-${d.from}-${d.to}.csv`, rows, p ? csvPreamble(p) : []);
    },
  });
}

export { round };

/** How each HCHH area's count is shown in a protected answer: its protected sum against its true sum. */
async function hchhShown(
  analysis: Analysis,
  r: ResolvedParams,
  p: Presenter,
  result: { cellResolution: number; areas: { cells: string[]; incidents: number }[] },
) {
  const truth = await analysis.trueCellTotals(r, result.cellResolution);
  return result.areas.map((a) =>
    p.count(
      a.incidents,
      a.cells.reduce((s, c) => s + (truth.get(c) ?? 0), 0),
    ),
  );
}

/** The rules as a protected CSV's first line. */
function csvPreamble(p: Presenter): string[] {
  return [`# ${rulesText(p.rules)} Figures withheld in this file: ${p.suppressed}.`];
}

function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k.startsWith('share') ? round(v, 6) : round(v)])) as T;
}

// The compact cell answers, named so the web client can take its types from them.
export const cellsResponse = resolvedDescription.extend({
  cells: z.array(z.string()),
  incidents: z.array(z.number().nullable()).describe("null where a partner's protected count is withheld (see incidentsShown)"),
  incidentsShown: z.array(z.string()).optional().describe('protected answers: each count as shown, "<5" where withheld'),
  harm: z.array(z.number().nullable()),
  disclosure: disclosureSchema.optional(),
});

export const cellsByMonthResponse = resolvedDescription.extend({
  months: z.array(z.string()),
  cells: z.array(z.string()),
  incidents: z.array(z.array(z.number().nullable())).describe('null where a partner\'s protected count is withheld ("<5")'),
  harm: z.array(z.array(z.number().nullable())),
  max: z.object({ incidents: z.number(), harm: z.number() }),
  disclosure: disclosureSchema.optional(),
});

export const seriesResponse = resolvedDescription.extend({
  cell: z.string(),
  months: z.array(z.string()),
  incidents: z.array(z.number().nullable()).describe("null where a partner's protected count is withheld (see incidentsShown)"),
  incidentsShown: z.array(z.string()).optional(),
  harm: z.array(z.number().nullable()),
  disclosure: disclosureSchema.optional(),
});

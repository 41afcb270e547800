import { z } from 'zod';
import { addMonths, monthRange } from '../../domain/months';
import { defaultNightWindow, repeatLocations } from '../../domain/repeatLocations';
import type { Analysis } from '../../services/analysis';
import { sendCsv, type Api } from '../api';
import { analysisQuery, resolvedDescription } from '../schemas';
import { feature, featureCollection, point } from '../geojson';
import { round } from './hotspots';
import { coverageOf } from '../../services/coverage';

const repeatQuery = analysisQuery
  .omit({ resolution: true })
  .extend({
    minIncidents: z.coerce.number().int().min(2).max(10000).default(3).describe('a repeat location has at least this many incidents in the period'),
    limit: z.coerce.number().int().min(1).max(10000).default(500),
  })
  .strict();

const repeatLocation = feature(
  point,
  z.object({
    rank: z.number().describe('1 = most harm'),
    location: z.string().describe('the location as published, e.g. "On or near Bold Street", or the premises'),
    source: z.string(),
    incidents: z.number(),
    harm: z.number(),
    shareOfIncidents: z.number().describe("share (0–1) of the period's incidents"),
    shareOfHarm: z.number(),
    firstMonth: z.string(),
    lastMonth: z.string(),
    monthsActive: z.number().describe('months with at least one incident'),
    firstHalf: z.number().describe('incidents in the first half of the period'),
    secondHalf: z.number(),
    nightTimeShare: z.number().nullable().describe('share (0–1) in the night-time economy window; null when no incident has a time'),
  }),
);
export const repeatLocationsResponse = featureCollection(repeatLocation)
  .extend(resolvedDescription.shape)
  .extend({
    rule: z.string().describe('the selection in words'),
    timesAvailable: z.boolean(),
    timesNote: z.string().nullable(),
    halves: z.object({
      months: z.number().describe('months in each half'),
      firstHalfEnd: z.string(),
      secondHalfStart: z.string(),
      incomplete: z.string().nullable().describe('why the halves are not comparable (months not loaded), or null'),
    }),
    totals: z.object({
      incidents: z.number(),
      harm: z.number(),
      repeatIncidents: z.number().describe('incidents at repeat locations'),
      repeatHarm: z.number(),
      repeatShare: z.number().describe('share (0–1) of incidents at repeat locations'),
      repeatHarmShare: z.number(),
      locations: z.number().describe('repeat locations in all (features holds the first limit)'),
    }),
  })
  .meta({ id: 'RepeatLocations' });

/** Place-based tools: repeat locations (licensing). */
export function placeRoutes(api: Api, analysis: Analysis): void {
  const compute = async (query: z.infer<typeof repeatQuery>) => {
    const months = (await analysis.defaults()).months;
    const last = query.to ?? months[months.length - 1];
    // Default period: the latest 12 months loaded.
    const from = query.from ?? (last ? [addMonths(last, -11), months[0]!].sort().reverse()[0] : undefined);
    const r = await analysis.resolve({ ...query, resolution: 9, from, to: last });
    const period = monthRange(r.from, r.to);
    const half = Math.floor(period.length / 2);
    const split = { firstHalfEnd: period[Math.max(0, half - 1)]!, secondHalfStart: period[period.length - Math.max(1, half)]! };
    const [all, total] = await Promise.all([analysis.incidents.locationTotals(r.filter, split, defaultNightWindow), analysis.incidents.totals(r.filter)]);
    const result = repeatLocations(all, total, query.minIncidents);
    const d = analysis.describe(r);
    // The halves are compared location by location: a half holding a month not loaded reads as a fall.
    const halves = [coverageOf(r, r.from, split.firstHalfEnd), coverageOf(r, split.secondHalfStart, r.to)];
    const halvesNote = halves.every((h) => h.complete)
      ? null
      : `the halves are not comparable: ${halves
          .filter((h) => !h.complete)
          .map((h) => `${h.from} to ${h.to}: ${h.statement}`)
          .join('; ')}`;
    return {
      d,
      result,
      split,
      halfMonths: half,
      halvesNote,
      rule:
        `locations with at least ${query.minIncidents} incidents from ${r.from} to ${r.to}, ranked by harm; ` +
        'night-time economy: Friday and Saturday 20:00–04:00 UK time',
      timesNote: result.timesAvailable
        ? null
        : 'No incident in this selection has a time (data.police.uk publishes months only), so the night-time share cannot be given.',
    };
  };

  api.add({
    method: 'get',
    path: '/api/repeat-locations',
    tag: 'places',
    access: 'record',
    cache: true,
    summary: 'Repeat locations: places with repeated serious violence, ranked by harm (GeoJSON points)',
    description: 'Default period: the latest 12 months loaded. firstHalf/secondHalf count the incidents in the two halves of the period.',
    query: repeatQuery,
    response: {
      description: 'GeoJSON FeatureCollection of locations with their totals',
      schema: repeatLocationsResponse,
      contentType: 'application/geo+json',
    },
    handler: async ({ query, res }) => {
      const { d, result, rule, timesNote, split, halfMonths, halvesNote } = await compute(query);
      res.type('application/geo+json');
      return {
        type: 'FeatureCollection',
        ...d,
        rule,
        timesAvailable: result.timesAvailable,
        timesNote,
        halves: { months: halfMonths, firstHalfEnd: split.firstHalfEnd, secondHalfStart: split.secondHalfStart, incomplete: halvesNote },
        totals: {
          ...result.totals,
          harm: round(result.totals.harm),
          repeatHarm: round(result.totals.repeatHarm),
          repeatShare: round(result.totals.repeatShare, 6),
          repeatHarmShare: round(result.totals.repeatHarmShare, 6),
        },
        features: result.locations.slice(0, query.limit).map((l) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [round(l.lon, 6), round(l.lat, 6)] },
          properties: {
            rank: l.rank,
            location: l.location,
            source: l.source,
            incidents: l.incidents,
            harm: round(l.harm),
            shareOfIncidents: round(l.shareOfIncidents, 6),
            shareOfHarm: round(l.shareOfHarm, 6),
            firstMonth: l.firstMonth,
            lastMonth: l.lastMonth,
            monthsActive: l.monthsActive,
            firstHalf: l.firstHalf,
            secondHalf: l.secondHalf,
            nightTimeShare: l.nightTimeShare === null ? null : round(l.nightTimeShare, 4),
          },
        })),
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/repeat-locations.csv',
    tag: 'exports',
    access: 'record-export',
    summary: 'Repeat locations as a spreadsheet-safe CSV',
    query: repeatQuery,
    response: { description: 'one row per location', contentType: 'text/csv' },
    handler: async ({ query, res }) => {
      const { d, result } = await compute(query);
      const rows = result.locations.slice(0, query.limit).map((l) => ({
        rank: l.rank,
        location: l.location,
        source: l.source,
        lat: round(l.lat, 6),
        lng: round(l.lon, 6),
        incidents: l.incidents,
        harm: round(l.harm),
        harm_unit: d.scheme.unit,
        share_of_incidents: round(l.shareOfIncidents, 6),
        months_active: l.monthsActive,
        first_half: l.firstHalf,
        second_half: l.secondHalf,
        night_time_share: l.nightTimeShare === null ? '' : round(l.nightTimeShare, 4),
        definition: d.definition.name,
        from: d.from,
        to: d.to,
      }));
      return sendCsv(res, `harmgrid-repeat-locations-${d.from}-${d.to}.csv`, rows);
    },
  });
}

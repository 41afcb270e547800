import proj4 from 'proj4';
import { storageCellOf } from '../domain/h3cell';
import { policeUkCategoryOf, type OffenceClass } from '../domain/offences';
import type { Rejection } from './errors';
import { GB_BOUNDS, type IncidentRow } from './incidentRow';

export const FORCE_EXTRACT_SOURCE = 'force-extract';

// British National Grid (EPSG:27700) with the OSGB36 → WGS84 Helmert shift, as EPSG publishes it.
// Accurate to a few metres, below the ~9 m edge of the resolution-12 storage cell.
proj4.defs('EPSG:27700',
  '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
  '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs');
const bngToWgs84 = proj4('EPSG:27700', 'EPSG:4326');

/** Accepted spellings of each force-extract column (compared lower-case, spaces/dashes as underscores). */
export const FORCE_EXTRACT_COLUMNS = {
  incidentId: ['incident_id', 'crime_id', 'crime_reference', 'crime_ref', 'urn', 'occurrence_id', 'id'],
  occurredAt: ['occurred_at', 'date_time', 'datetime', 'date/time', 'offence_date', 'committed_at', 'date'],
  offenceCode: ['offence_code', 'ho_code', 'home_office_code', 'hocr_code', 'ho_offence_code'],
  offenceName: ['offence_name', 'offence', 'offence_description', 'ho_offence_name'],
  knife: ['knife', 'knife_flag', 'knife_or_sharp', 'knife_sharp', 'sharp_instrument', 'knife_crime'],
  firearm: ['firearm', 'firearm_flag', 'firearms', 'gun'],
  domestic: ['domestic_abuse', 'domestic', 'da_flag', 'domestic_flag'],
  latitude: ['latitude', 'lat'],
  longitude: ['longitude', 'lon', 'lng', 'long'],
  easting: ['easting', 'x', 'grid_easting'],
  northing: ['northing', 'y', 'grid_northing'],
  location: ['location', 'address', 'street', 'premises', 'location_text'],
  lsoaCode: ['lsoa_code', 'lsoa', 'lsoa11cd'],
} as const;

type Column = keyof typeof FORCE_EXTRACT_COLUMNS;

export function normaliseHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Maps a header row onto the extract's columns, or says which required column is missing. */
export function mapForceExtractHeader(header: string[]): { columns: Partial<Record<Column, number>>; problems: string[] } {
  const normalised = header.map(normaliseHeader);
  const columns: Partial<Record<Column, number>> = {};
  for (const [column, spellings] of Object.entries(FORCE_EXTRACT_COLUMNS) as [Column, readonly string[]][]) {
    const index = normalised.findIndex((h) => spellings.includes(h));
    if (index >= 0) columns[column] = index;
  }
  const problems: string[] = [];
  if (columns.incidentId === undefined) problems.push(`no incident id column (one of: ${FORCE_EXTRACT_COLUMNS.incidentId.join(', ')})`);
  if (columns.occurredAt === undefined) problems.push(`no date-time column (one of: ${FORCE_EXTRACT_COLUMNS.occurredAt.join(', ')})`);
  if (columns.offenceCode === undefined && columns.offenceName === undefined) problems.push('no offence_code or offence_name column');
  const hasLatLng = columns.latitude !== undefined && columns.longitude !== undefined;
  const hasGrid = columns.easting !== undefined && columns.northing !== undefined;
  if (!hasLatLng && !hasGrid) problems.push('no position: give latitude and longitude (WGS84) or easting and northing (British National Grid)');
  return { columns, problems };
}

/** Is this header a force extract? (It has an id, a date-time and an offence column.) */
export function looksLikeForceExtract(header: string[]): boolean {
  const { columns } = mapForceExtractHeader(header);
  return columns.incidentId !== undefined && columns.occurredAt !== undefined && (columns.offenceCode !== undefined || columns.offenceName !== undefined);
}

const TRUE_FLAGS = new Set(['y', 'yes', 'true', '1', 't']);
const FALSE_FLAGS = new Set(['n', 'no', 'false', '0', 'f']);

/**
 * Parses a date-time: ISO 8601 (2021-03-05T22:14, with or without seconds and offset) or UK
 * day-first 05/03/2021 22:14. A time without an offset is UK local time (Europe/London).
 */
export function parseUkDateTime(text: string): Date | null {
  let y: number, mo: number, d: number, h = 0, mi = 0, s = 0, offset: string | undefined;
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (m) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4]) { h = Number(m[4]); mi = Number(m[5]); s = Number(m[6] ?? 0); }
    offset = m[7];
  } else {
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
    if (!m) return null;
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4]) { h = Number(m[4]); mi = Number(m[5]); s = Number(m[6] ?? 0); }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const utcGuess = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utcGuess);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null; // 31/02 and the like
  if (offset) {
    const sign = offset === 'Z' ? 0 : offset.startsWith('-') ? -1 : 1;
    const digits = offset.replace(/[^0-9]/g, '');
    const minutes = sign === 0 ? 0 : sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    return new Date(utcGuess - minutes * 60_000);
  }
  return new Date(utcGuess - londonOffsetMinutes(utcGuess) * 60_000);
}

/** Offset of Europe/London from UTC (0 or 60 minutes) at a wall-clock time read as UTC (an hour off only inside the clock-change hour). */
function londonOffsetMinutes(wallClockAsUtc: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'shortOffset' }).formatToParts(new Date(wallClockAsUtc));
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const hours = /GMT([+-]\d+)/.exec(name)?.[1]; // 'GMT', 'GMT+0' or 'GMT+1' depending on the ICU build
  return hours ? Number(hours) * 60 : 0;
}

/** Reads force-extract rows; needs the offence classification to file each offence under its category. */
export class ForceExtractParser {
  private readonly byName: Map<string, OffenceClass>;

  constructor(
    private readonly columns: Partial<Record<Column, number>>,
    private readonly offences: Map<string, OffenceClass>,
  ) {
    this.byName = new Map([...offences.values()].map((o) => [o.name.toLowerCase(), o]));
  }

  parse(record: string[], line: number): { row: IncidentRow } | { rejections: Rejection[] } {
    const rejections: Rejection[] = [];
    const reject = (field: Column, value: string | null, reason: string) => rejections.push({ line, field, value, reason });
    const get = (c: Column): string => {
      const i = this.columns[c];
      return i === undefined ? '' : (record[i] ?? '').trim();
    };
    const flag = (c: Column): boolean | null => {
      const v = get(c).toLowerCase();
      if (v === '') return null;
      if (TRUE_FLAGS.has(v)) return true;
      if (FALSE_FLAGS.has(v)) return false;
      reject(c, get(c), 'not a flag; use Y/N, yes/no, true/false or 1/0 (blank = not recorded)');
      return null;
    };

    const incidentId = get('incidentId');
    if (!incidentId) reject('incidentId', '', 'empty; every incident needs its id');
    const when = get('occurredAt');
    const occurredAt = parseUkDateTime(when);
    if (!occurredAt) reject('occurredAt', when, 'not a date-time; use ISO 8601 (2021-03-05T22:14) or DD/MM/YYYY HH:MM');

    const code = get('offenceCode').toUpperCase();
    const name = get('offenceName');
    let offence: OffenceClass | undefined;
    if (code) {
      offence = this.offences.get(code);
      if (!offence && this.offences.size > 0) reject('offenceCode', code, 'not a Home Office offence code in the loaded classification');
    } else if (name) {
      offence = this.byName.get(name.toLowerCase());
      if (!offence && this.offences.size > 0) reject('offenceName', name, 'no Home Office offence of that name; give offence_code instead');
    } else {
      reject('offenceCode', '', 'neither an offence code nor an offence name');
    }
    const knife = flag('knife');
    const firearm = flag('firearm');
    const domestic = flag('domestic');

    let lon: number | null = null;
    let lat: number | null = null;
    const latText = get('latitude'), lonText = get('longitude');
    const eText = get('easting'), nText = get('northing');
    if (latText || lonText) {
      lat = Number(latText); lon = Number(lonText);
      if (!latText || !Number.isFinite(lat) || lat < GB_BOUNDS.minLat || lat > GB_BOUNDS.maxLat) reject('latitude', latText, `not a latitude in Great Britain (${GB_BOUNDS.minLat} to ${GB_BOUNDS.maxLat})`);
      if (!lonText || !Number.isFinite(lon) || lon < GB_BOUNDS.minLon || lon > GB_BOUNDS.maxLon) reject('longitude', lonText, `not a longitude in Great Britain (${GB_BOUNDS.minLon} to ${GB_BOUNDS.maxLon})`);
    } else if (eText || nText) {
      const e = Number(eText), n = Number(nText);
      if (!eText || !Number.isFinite(e) || e < 0 || e > 700_000) reject('easting', eText, 'not a British National Grid easting in metres (0 to 700000)');
      if (!nText || !Number.isFinite(n) || n < 0 || n > 1_300_000) reject('northing', nText, 'not a British National Grid northing in metres (0 to 1300000)');
      if (Number.isFinite(e) && Number.isFinite(n)) [lon, lat] = bngToWgs84.forward([e, n]) as [number, number];
    }
    if (rejections.length || !occurredAt) return { rejections };

    const month = londonMonth(occurredAt);
    return {
      row: {
        source: FORCE_EXTRACT_SOURCE,
        sourceRef: incidentId,
        month,
        occurredAt: occurredAt.toISOString(),
        category: offence ? policeUkCategoryOf(offence) : 'Other crime',
        offenceCode: offence?.code ?? (code || null),
        offenceName: offence?.name ?? (name || null),
        knife, firearm, domestic,
        lon, lat,
        cell: lon !== null && lat !== null ? storageCellOf(lat, lon) : null,
        location: get('location') || null,
        lsoaCode: get('lsoaCode') || null,
        lsoaName: null,
        outcome: null,
      },
    };
  }
}

/** The calendar month of an instant in UK local time ('YYYY-MM'). */
function londonMonth(d: Date): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit' }).formatToParts(d);
  return `${parts.find((p) => p.type === 'year')?.value}-${parts.find((p) => p.type === 'month')?.value}`;
}

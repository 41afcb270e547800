import proj4 from 'proj4';
import { GB_BOUNDS } from './incidentRow';

/** Header cell → comparable form: lower case, no BOM, spaces and dashes as underscores. */
export function normaliseHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Finds each column of a format by its accepted spellings; the first matching header cell wins. */
export function mapColumns<K extends string>(header: string[], spellings: Record<K, readonly string[]>): Partial<Record<K, number>> {
  const normalised = header.map(normaliseHeader);
  const columns: Partial<Record<K, number>> = {};
  for (const [column, names] of Object.entries(spellings) as [K, readonly string[]][]) {
    const index = normalised.findIndex((h) => names.includes(h));
    if (index >= 0) columns[column] = index;
  }
  return columns;
}

// British National Grid (EPSG:27700) with the OSGB36 → WGS84 Helmert shift, as EPSG publishes it.
// Accurate to a few metres, below the ~9 m edge of the resolution-12 storage cell.
proj4.defs(
  'EPSG:27700',
  '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
    '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
);
const bngToWgs84 = proj4('EPSG:27700', 'EPSG:4326');

const TRUE_FLAGS = new Set(['y', 'yes', 'true', '1', 't']);
const FALSE_FLAGS = new Set(['n', 'no', 'false', '0', 'f']);

/**
 * Parses a date-time: ISO 8601 (2021-03-05T22:14, with or without seconds and offset) or UK
 * day-first 05/03/2021 22:14. A time without an offset is UK local time (Europe/London).
 */
export function parseUkDateTime(text: string): Date | null {
  let y: number,
    mo: number,
    d: number,
    h = 0,
    mi = 0,
    s = 0,
    offset: string | undefined;
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (m) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4]) {
      h = Number(m[4]);
      mi = Number(m[5]);
      s = Number(m[6] ?? 0);
    }
    offset = m[7];
  } else {
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
    if (!m) return null;
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4]) {
      h = Number(m[4]);
      mi = Number(m[5]);
      s = Number(m[6] ?? 0);
    }
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

/** A yes/no flag; blank is "not recorded" (null). */
export function parseFlag(text: string, reject: (reason: string) => void): boolean | null {
  const v = text.trim().toLowerCase();
  if (v === '') return null;
  if (TRUE_FLAGS.has(v)) return true;
  if (FALSE_FLAGS.has(v)) return false;
  reject('not a flag; use Y/N, yes/no, true/false or 1/0 (blank = not recorded)');
  return null;
}

/**
 * A position from WGS84 latitude/longitude or British National Grid easting/northing; both empty
 * means no position. Each problem is reported against the field it is in.
 */
export function readPosition(
  t: { latitude: string; longitude: string; easting: string; northing: string },
  reject: (field: 'latitude' | 'longitude' | 'easting' | 'northing', value: string, reason: string) => void,
): { lon: number | null; lat: number | null } {
  if (t.latitude || t.longitude) {
    const lat = Number(t.latitude),
      lon = Number(t.longitude);
    let ok = true;
    if (!t.latitude || !Number.isFinite(lat) || lat < GB_BOUNDS.minLat || lat > GB_BOUNDS.maxLat) {
      reject('latitude', t.latitude, `not a latitude in Great Britain (${GB_BOUNDS.minLat} to ${GB_BOUNDS.maxLat})`);
      ok = false;
    }
    if (!t.longitude || !Number.isFinite(lon) || lon < GB_BOUNDS.minLon || lon > GB_BOUNDS.maxLon) {
      reject('longitude', t.longitude, `not a longitude in Great Britain (${GB_BOUNDS.minLon} to ${GB_BOUNDS.maxLon})`);
      ok = false;
    }
    return ok ? { lon, lat } : { lon: null, lat: null };
  }
  if (t.easting || t.northing) {
    const e = Number(t.easting),
      n = Number(t.northing);
    let ok = true;
    if (!t.easting || !Number.isFinite(e) || e < 0 || e > 700_000) {
      reject('easting', t.easting, 'not a British National Grid easting in metres (0 to 700000)');
      ok = false;
    }
    if (!t.northing || !Number.isFinite(n) || n < 0 || n > 1_300_000) {
      reject('northing', t.northing, 'not a British National Grid northing in metres (0 to 1300000)');
      ok = false;
    }
    if (!ok) return { lon: null, lat: null };
    const [lon, lat] = bngToWgs84.forward([e, n]) as [number, number];
    return { lon, lat };
  }
  return { lon: null, lat: null };
}

/** The calendar month of an instant in UK local time ('YYYY-MM'). */
export function londonMonth(d: Date): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit' }).formatToParts(d);
  return `${parts.find((p) => p.type === 'year')?.value}-${parts.find((p) => p.type === 'month')?.value}`;
}

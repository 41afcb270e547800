import { storageCellOf } from '../domain/h3cell';
import type { Rejection } from './errors';
import { londonMonth, mapColumns, parseUkDateTime, readPosition } from './fields';
import { precisionOf, type IncidentRow } from './incidentRow';

/**
 * Record-level events from partner services, one CSV format for all of them: emergency-department
 * assault attendances (the ISTV minimum data set: when, how, where), ambulance assault call-outs and
 * deliberate fires. Each row names its service in `source`.
 */
export const PARTNER_SOURCES = {
  'emergency-department': 'Assault (emergency department attendance)',
  ambulance: 'Assault (ambulance call-out)',
  fire: 'Deliberate fire',
} as const;
export type PartnerSource = keyof typeof PARTNER_SOURCES;

export const PARTNER_EVENT_COLUMNS = {
  source: ['source', 'service'],
  eventId: ['event_id', 'attendance_id', 'call_id', 'incident_number', 'record_id'],
  date: ['event_date', 'assault_date', 'call_date', 'incident_date', 'date'],
  time: ['event_time', 'assault_time', 'call_time', 'time'],
  method: ['method', 'assault_method', 'weapon'],
  locationType: ['location_type', 'premises_type', 'property_type'],
  locationText: ['location_text', 'location', 'free_text_location', 'address'],
  latitude: ['latitude', 'lat'],
  longitude: ['longitude', 'lon', 'lng'],
  easting: ['easting'],
  northing: ['northing'],
  lsoaCode: ['lsoa_code', 'lsoa', 'lsoa11cd'],
} as const;
type Column = keyof typeof PARTNER_EVENT_COLUMNS;

/** A partner-events file has a source, an event id and a date column. */
export function looksLikePartnerEvents(header: string[]): boolean {
  const c = mapColumns(header, PARTNER_EVENT_COLUMNS);
  return c.source !== undefined && c.eventId !== undefined && c.date !== undefined;
}

export class PartnerEventParser {
  private readonly columns: Partial<Record<Column, number>>;
  constructor(header: string[]) {
    this.columns = mapColumns(header, PARTNER_EVENT_COLUMNS);
  }

  parse(record: string[], line: number): { row: IncidentRow } | { rejections: Rejection[] } {
    const rejections: Rejection[] = [];
    const reject = (field: Column, value: string | null, reason: string) => rejections.push({ line, field, value, reason });
    const get = (c: Column) => {
      const i = this.columns[c];
      return i === undefined ? '' : (record[i] ?? '').trim();
    };

    const source = get('source').toLowerCase();
    if (!(source in PARTNER_SOURCES)) reject('source', get('source'), `not a partner source; use one of ${Object.keys(PARTNER_SOURCES).join(', ')}`);
    const eventId = get('eventId');
    if (!eventId) reject('eventId', '', 'empty; every event needs its id');
    const date = get('date');
    const time = get('time');
    const when = parseUkDateTime(time && !date.includes(':') && !date.includes('T') ? `${date} ${time}` : date);
    if (!when) reject(time ? 'time' : 'date', time ? `${date} ${time}` : date, 'not a date (and time); use 2021-03-05 with 22:14, or 05/03/2021 22:14');
    const { lon, lat } = readPosition(
      { latitude: get('latitude'), longitude: get('longitude'), easting: get('easting'), northing: get('northing') },
      (field, value, reason) => reject(field, value, reason),
    );
    const lsoaCode = get('lsoaCode') || null;
    if (lsoaCode && !/^[EW]0[01]\d{6}$/.test(lsoaCode)) reject('lsoaCode', lsoaCode, 'not an LSOA code (E01… or W01…)');
    const locationText = get('locationText') || null;
    if (lon === null && !lsoaCode && !locationText && !rejections.some((r) => ['latitude', 'longitude', 'easting', 'northing'].includes(r.field ?? ''))) {
      reject('locationText', '', 'no position: give coordinates, an LSOA code or a location text');
    }
    if (rejections.length || !when) return { rejections };

    const cell = lon !== null && lat !== null ? storageCellOf(lat, lon) : null;
    const attributes: Record<string, string> = {};
    if (get('method')) attributes.method = get('method');
    if (get('locationType')) attributes.locationType = get('locationType');
    return {
      row: {
        source,
        sourceRef: eventId,
        month: londonMonth(when),
        // A date without a time is kept as a date: the time of day is not invented.
        occurredAt: time || /[T ]\d{1,2}:\d{2}/.test(date) ? when.toISOString() : null,
        category: PARTNER_SOURCES[source as PartnerSource],
        offenceCode: null,
        offenceName: null,
        knife: null,
        firearm: null,
        domestic: null,
        lon,
        lat,
        cell,
        location: locationText,
        lsoaCode,
        lsoaName: null,
        outcome: null,
        positionPrecision: precisionOf({ cell, lsoaCode }),
        attributes: Object.keys(attributes).length ? attributes : null,
      },
    };
  }
}

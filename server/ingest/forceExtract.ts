import { storageCellOf } from '../domain/h3cell';
import { policeUkCategoryOf, type OffenceClass } from '../domain/offences';
import type { Rejection } from './errors';
import { londonMonth, mapColumns, parseFlag, parseUkDateTime, readPosition } from './fields';
import { precisionOf, type IncidentRow } from './incidentRow';

export const FORCE_EXTRACT_SOURCE = 'force-extract';

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

/** Maps a header row onto the extract's columns, or says which required column is missing. */
export function mapForceExtractHeader(header: string[]): { columns: Partial<Record<Column, number>>; problems: string[] } {
  const columns = mapColumns(header, FORCE_EXTRACT_COLUMNS);
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
    const flag = (c: Column): boolean | null => parseFlag(get(c), (reason) => reject(c, get(c), reason));

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

    const { lon, lat } = readPosition(
      { latitude: get('latitude'), longitude: get('longitude'), easting: get('easting'), northing: get('northing') },
      (field, value, reason) => reject(field as Column, value, reason),
    );
    if (rejections.length || !occurredAt) return { rejections };

    const month = londonMonth(occurredAt);
    const cell = lon !== null && lat !== null ? storageCellOf(lat, lon) : null;
    const lsoaCode = get('lsoaCode') || null;
    return {
      row: {
        source: FORCE_EXTRACT_SOURCE,
        sourceRef: incidentId,
        month,
        occurredAt: occurredAt.toISOString(),
        category: offence ? policeUkCategoryOf(offence) : 'Other crime',
        offenceCode: offence?.code ?? (code || null),
        offenceName: offence?.name ?? (name || null),
        knife,
        firearm,
        domestic,
        lon,
        lat,
        cell,
        location: get('location') || null,
        lsoaCode,
        lsoaName: null,
        outcome: null,
        positionPrecision: precisionOf({ cell, lsoaCode }),
        attributes: null,
      },
    };
  }
}

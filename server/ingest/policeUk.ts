import { createHash } from 'node:crypto';
import { isMonth } from '../domain/months';
import { storageCellOf } from '../domain/h3cell';
import type { Rejection } from './errors';
import { GB_BOUNDS, precisionOf, type IncidentRow } from './incidentRow';

/** The header of a data.police.uk street-level crime file, exactly as published. */
export const POLICE_UK_STREET_HEADER = [
  'Crime ID',
  'Month',
  'Reported by',
  'Falls within',
  'Longitude',
  'Latitude',
  'Location',
  'LSOA code',
  'LSOA name',
  'Crime type',
  'Last outcome category',
  'Context',
] as const;

export const POLICE_UK_SOURCE = 'data.police.uk';

/**
 * The crime types data.police.uk publishes (its crime-categories list, as in every street file since
 * May 2013), plus the two it used before then. Any other value is a mistyped or altered file.
 */
export const POLICE_UK_CRIME_TYPES: readonly string[] = [
  'Anti-social behaviour',
  'Bicycle theft',
  'Burglary',
  'Criminal damage and arson',
  'Drugs',
  'Other theft',
  'Possession of weapons',
  'Public order',
  'Robbery',
  'Shoplifting',
  'Theft from the person',
  'Vehicle crime',
  'Violence and sexual offences',
  'Other crime',
  'Violent crime',
  'Public disorder and weapons',
];
const CRIME_TYPES = new Set(POLICE_UK_CRIME_TYPES);

/** A header that shares most columns with the street-level file is one with columns missing or renamed. */
export function missingStreetColumns(header: string[]): string[] | null {
  const present = POLICE_UK_STREET_HEADER.filter((h) => header.includes(h));
  if (present.length < 6 || present.length === POLICE_UK_STREET_HEADER.length) return null;
  return POLICE_UK_STREET_HEADER.filter((h) => !header.includes(h));
}

/** Headers of the publisher's other files, recognised so that a folder import can say why it skips them. */
export const POLICE_UK_OTHER_HEADERS: Record<string, string> = {
  'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type':
    'a data.police.uk outcomes file (outcomes of crimes already in the street files; not incidents)',
  'Type,Date,Part of a policing operation': 'a data.police.uk stop-and-search file (searches, not incidents)',
};

/**
 * Reads street-level rows. Rows without a Crime ID (anti-social behaviour) get a key derived from
 * their content plus their occurrence number among identical rows of the file, so re-importing the
 * same month finds them again instead of duplicating them.
 */
export class PoliceUkStreetParser {
  private readonly seen = new Map<string, number>();
  // data.police.uk snaps every position to one of a few thousand anonymous map points, so a file's
  // 15,000 rows hold a few thousand distinct positions: each is indexed once.
  private readonly cells = new Map<string, string>();

  private cellOf(lat: number, lon: number): string {
    const key = `${lat},${lon}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = storageCellOf(lat, lon);
      this.cells.set(key, cell);
    }
    return cell;
  }

  parse(record: string[], line: number): { row: IncidentRow } | { rejections: Rejection[] } {
    const rejections: Rejection[] = [];
    const reject = (field: string | null, value: string | null, reason: string) => rejections.push({ line, field, value, reason });
    if (record.length !== POLICE_UK_STREET_HEADER.length) {
      reject(null, null, `expected ${POLICE_UK_STREET_HEADER.length} fields, found ${record.length}`);
      return { rejections };
    }
    const [crimeId, month, , , lonText, latText, location, lsoaCode, lsoaName, crimeType, outcome] = record.map((v) => v.trim()) as string[];
    if (!isMonth(month!)) reject('Month', month!, 'not a month in the form YYYY-MM');
    if (!crimeType) reject('Crime type', crimeType!, 'empty; every published row names its crime type');
    else if (!CRIME_TYPES.has(crimeType))
      reject('Crime type', crimeType, `not a data.police.uk crime type; the published types are: ${POLICE_UK_CRIME_TYPES.slice(0, 14).join(', ')}`);

    let lon: number | null = null;
    let lat: number | null = null;
    if (lonText || latText) {
      lon = Number(lonText);
      lat = Number(latText);
      if (!lonText || !Number.isFinite(lon)) reject('Longitude', lonText!, 'not a number (both coordinates, or neither, must be given)');
      else if (lon < GB_BOUNDS.minLon || lon > GB_BOUNDS.maxLon)
        reject('Longitude', lonText!, `outside Great Britain (${GB_BOUNDS.minLon} to ${GB_BOUNDS.maxLon})`);
      if (!latText || !Number.isFinite(lat)) reject('Latitude', latText!, 'not a number (both coordinates, or neither, must be given)');
      else if (lat < GB_BOUNDS.minLat || lat > GB_BOUNDS.maxLat)
        reject('Latitude', latText!, `outside Great Britain (${GB_BOUNDS.minLat} to ${GB_BOUNDS.maxLat})`);
    }
    if (rejections.length) return { rejections };

    let sourceRef = crimeId!;
    if (!sourceRef) {
      const content = [month, lonText, latText, location, lsoaCode, crimeType].join('\u001f');
      const n = (this.seen.get(content) ?? 0) + 1;
      this.seen.set(content, n);
      sourceRef = `derived:${createHash('sha1').update(content).digest('hex').slice(0, 24)}:${n}`;
    }
    const cell = lon !== null && lat !== null ? this.cellOf(lat, lon) : null;
    return {
      row: {
        source: POLICE_UK_SOURCE,
        sourceRef,
        month: month!,
        occurredAt: null,
        category: crimeType!,
        offenceCode: null,
        offenceName: null,
        knife: null,
        firearm: null,
        domestic: null,
        lon,
        lat,
        cell,
        location: location || null,
        lsoaCode: lsoaCode || null,
        lsoaName: lsoaName || null,
        outcome: outcome || null,
        positionPrecision: precisionOf({ cell, lsoaCode: lsoaCode || null }),
        attributes: null,
      },
    };
  }
}

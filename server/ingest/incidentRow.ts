/** One incident ready to store: the columns of the incident table. */
export interface IncidentRow {
  source: string;
  sourceRef: string;
  month: string; // 'YYYY-MM'
  occurredAt: string | null; // ISO 8601 with offset
  category: string;
  offenceCode: string | null;
  offenceName: string | null;
  knife: boolean | null;
  firearm: boolean | null;
  domestic: boolean | null;
  lon: number | null;
  lat: number | null;
  cell: string | null; // decimal bigint of the res-12 H3 cell
  location: string | null;
  lsoaCode: string | null;
  lsoaName: string | null;
  outcome: string | null;
  /** How finely the source gave the position; never shown finer than this. */
  positionPrecision: PositionPrecision;
  /** Source-specific fields (an emergency department's assault method and location type, …). */
  attributes: Record<string, string> | null;
}

export type PositionPrecision = 'point' | 'lsoa' | 'text';

/** The precision a row's own fields support: a point, else its LSOA, else its location text. */
export function precisionOf(row: { cell: string | null; lsoaCode: string | null }): PositionPrecision {
  return row.cell !== null ? 'point' : row.lsoaCode ? 'lsoa' : 'text';
}

/** Positions outside this box are not in Great Britain and are rejected as mistyped. */
export const GB_BOUNDS = { minLon: -9, maxLon: 2.5, minLat: 49, maxLat: 61.5 };

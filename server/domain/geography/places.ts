import { addMonths, monthRange, type Month } from '../months';
import { areaKm2, geometryProblems } from './boundaries';

export type Polygonal = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
export type PointGeometry = { type: 'Point'; coordinates: number[] };

/** A problem with one field of a zone or site, in plain words. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Size limits of drawn places: smaller is a drawing slip, larger is a district, not a zone or a site. */
export const ZONE_AREA_KM2 = { min: 0.01, max: 60 } as const;
export const SITE_AREA_KM2 = { min: 0.00001, max: 10 } as const;
export const SITE_BUFFER_M = { min: 0, max: 2000 } as const;

export interface ZoneInput {
  name: string;
  partnership: string | null;
  /** Phase start dates, YYYY-MM-DD; hold and build may be unknown yet. */
  clearStart: string;
  holdStart: string | null;
  buildStart: string | null;
  geometry: Polygonal;
  notes: string | null;
}

export interface SiteInput {
  name: string;
  geometry: Polygonal | PointGeometry;
  bufferMetres: number | null;
  notes: string | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isDate(v: string): boolean {
  const m = DATE.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function text(o: Record<string, unknown>, field: string, problems: FieldProblem[], opts: { required: boolean; max: number }): string | null {
  const v = o[field];
  if (v === undefined || v === null || v === '') {
    if (opts.required) problems.push({ field, message: 'is required' });
    return null;
  }
  if (typeof v !== 'string') {
    problems.push({ field, message: `must be text; got ${typeof v}` });
    return null;
  }
  const t = v.trim();
  if (opts.required && !t) problems.push({ field, message: 'must not be blank' });
  if (t.length > opts.max) problems.push({ field, message: `must be at most ${opts.max} characters; got ${t.length}` });
  return t || null;
}

function date(o: Record<string, unknown>, field: string, problems: FieldProblem[], required: boolean): string | null {
  const v = o[field];
  if (v === undefined || v === null || v === '') {
    if (required) problems.push({ field, message: 'is required (a date as YYYY-MM-DD)' });
    return null;
  }
  if (typeof v !== 'string' || !isDate(v)) {
    problems.push({ field, message: `must be a date as YYYY-MM-DD, e.g. 2019-06-01; got ${JSON.stringify(v)}` });
    return null;
  }
  return v;
}

function polygonProblems(geometry: unknown, limits: { min: number; max: number }, what: string): FieldProblem[] {
  const problems = geometryProblems(geometry).map((message) => ({ field: 'geometry', message }));
  if (problems.length) return problems;
  const km2 = areaKm2(geometry as Polygonal);
  if (km2 < limits.min)
    problems.push({
      field: 'geometry',
      message: `the ${what} covers ${(km2 * 1e6).toFixed(0)} m², less than the minimum of ${(limits.min * 1e6).toFixed(0)} m²`,
    });
  if (km2 > limits.max)
    problems.push({
      field: 'geometry',
      message: `the ${what} covers ${km2.toFixed(1)} km², more than the maximum of ${limits.max} km² (a district is 80–200 km²)`,
    });
  return problems;
}

/**
 * Checks a Clear-Hold-Build zone and returns it cleaned, or every problem found.
 *
 * Rule: a name (≤ 200 characters), an optional partnership and notes, the clear start date and the
 * optional hold and build start dates (YYYY-MM-DD, in that order; build needs hold), and an outline:
 * a GeoJSON Polygon or MultiPolygon in WGS84 longitude/latitude inside Great Britain, rings closed,
 * no self-intersection (turf `kinks`), between 0.01 and 60 km².
 * Reference: Home Office, "Clear, Hold, Build" (2023): clear (disrupt the organised crime group),
 * hold (stabilise), build (community resilience).
 * @example validateZone({ name: 'Bold Street', clearStart: '2019-06-01', geometry: {...} })
 *          // { zone: { name: 'Bold Street', clearStart: '2019-06-01', holdStart: null, … } }
 */
export function validateZone(input: unknown): { zone: ZoneInput; problems: [] } | { zone: null; problems: FieldProblem[] } {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    return { zone: null, problems: [{ field: '(zone)', message: 'must be an object with name, clearStart and geometry' }] };
  const o = input as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const name = text(o, 'name', problems, { required: true, max: 200 });
  const partnership = text(o, 'partnership', problems, { required: false, max: 200 });
  const notes = text(o, 'notes', problems, { required: false, max: 5000 });
  const clearStart = date(o, 'clearStart', problems, true);
  const holdStart = date(o, 'holdStart', problems, false);
  const buildStart = date(o, 'buildStart', problems, false);
  if (clearStart && holdStart && holdStart < clearStart)
    problems.push({ field: 'holdStart', message: `must not be before clearStart (${clearStart}); got ${holdStart}` });
  if (buildStart && !holdStart && !problems.some((p) => p.field === 'holdStart'))
    problems.push({ field: 'buildStart', message: 'needs holdStart: the build phase follows hold' });
  if (buildStart && holdStart && buildStart < holdStart)
    problems.push({ field: 'buildStart', message: `must not be before holdStart (${holdStart}); got ${buildStart}` });
  problems.push(...polygonProblems(o.geometry, ZONE_AREA_KM2, 'zone'));
  if (problems.length) return { zone: null, problems };
  return { zone: { name: name!, partnership, clearStart: clearStart!, holdStart, buildStart, geometry: o.geometry as Polygonal, notes }, problems: [] };
}

/**
 * Checks a site under review and returns it cleaned, or every problem found.
 *
 * Rule: a name (≤ 200 characters), optional notes, and either an outline (Polygon or MultiPolygon as
 * for zones, 10 m² to 10 km²) with an optional buffer, or a Point with a buffer; the buffer is metres
 * from 0 to 2,000 (user-needs §4: site reviews use 250 m, 500 m or 1 km rings).
 * @example validateSite({ name: 'Former Lewis\'s building', geometry: { type: 'Point', coordinates: [-2.9806, 53.4045] }, bufferMetres: 250 })
 */
export function validateSite(input: unknown): { site: SiteInput; problems: [] } | { site: null; problems: FieldProblem[] } {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    return { site: null, problems: [{ field: '(site)', message: 'must be an object with name and geometry' }] };
  const o = input as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const name = text(o, 'name', problems, { required: true, max: 200 });
  const notes = text(o, 'notes', problems, { required: false, max: 5000 });
  let buffer: number | null = null;
  if (o.bufferMetres !== undefined && o.bufferMetres !== null) {
    if (typeof o.bufferMetres !== 'number' || !Number.isFinite(o.bufferMetres) || o.bufferMetres < SITE_BUFFER_M.min || o.bufferMetres > SITE_BUFFER_M.max) {
      problems.push({
        field: 'bufferMetres',
        message: `must be a number of metres from ${SITE_BUFFER_M.min} to ${SITE_BUFFER_M.max}; got ${JSON.stringify(o.bufferMetres)}`,
      });
    } else buffer = o.bufferMetres;
  }
  const g = o.geometry as { type?: string; coordinates?: unknown } | undefined;
  if (g?.type === 'Point') {
    const c = g.coordinates as number[] | undefined;
    if (!Array.isArray(c) || c.length < 2 || !c.every((v) => typeof v === 'number' && Number.isFinite(v)))
      problems.push({ field: 'geometry', message: 'a Point needs coordinates [longitude, latitude]' });
    else if (Math.abs(c[0]!) > 180 || Math.abs(c[1]!) > 90)
      problems.push({ field: 'geometry', message: `coordinates [${c.join(', ')}] are not WGS84 longitude/latitude; reproject to EPSG:4326` });
    else if (c[0]! < -9 || c[0]! > 2.5 || c[1]! < 49 || c[1]! > 61.5)
      problems.push({ field: 'geometry', message: `coordinates [${c.join(', ')}] are outside Great Britain` });
    if (!buffer) problems.push({ field: 'bufferMetres', message: 'a site given as a point needs a buffer of more than 0 metres' });
  } else {
    problems.push(...polygonProblems(o.geometry, SITE_AREA_KM2, 'site'));
  }
  if (problems.length) return { site: null, problems };
  return { site: { name: name!, geometry: o.geometry as SiteInput['geometry'], bufferMetres: buffer, notes }, problems: [] };
}

export type PhaseName = 'before clear' | 'clear' | 'hold' | 'build';

export interface Phase {
  phase: PhaseName;
  from: Month;
  to: Month;
  months: number;
}

/**
 * The months of each Clear-Hold-Build phase within the loaded months.
 *
 * Rule: a phase starts in the month its start date falls in and runs to the month before the next
 * phase starts (the last phase to the last loaded month); "before clear" is the `baselineMonths`
 * (default 12) before the clear month. Phases with no loaded month are left out.
 * @example zonePhases({ clearStart: '2019-06-10', holdStart: '2019-09-01', buildStart: null }, '2018-01', '2019-12')
 *          // before clear 2018-06…2019-05, clear 2019-06…2019-08, hold 2019-09…2019-12
 */
export function zonePhases(
  zone: { clearStart: string; holdStart: string | null; buildStart: string | null },
  first: Month,
  last: Month,
  baselineMonths = 12,
): Phase[] {
  if (!isDate(zone.clearStart)) throw new Error(`clearStart must be a date as YYYY-MM-DD; got ${zone.clearStart}`);
  if (!Number.isInteger(baselineMonths) || baselineMonths < 1) throw new Error(`baselineMonths must be a whole number ≥ 1; got ${baselineMonths}`);
  monthRange(first, last);
  const monthOf = (d: string) => d.slice(0, 7);
  const starts: { phase: PhaseName; start: Month }[] = [
    { phase: 'before clear', start: addMonths(monthOf(zone.clearStart), -baselineMonths) },
    { phase: 'clear', start: monthOf(zone.clearStart) },
  ];
  if (zone.holdStart) starts.push({ phase: 'hold', start: monthOf(zone.holdStart) });
  if (zone.buildStart) starts.push({ phase: 'build', start: monthOf(zone.buildStart) });
  const out: Phase[] = [];
  starts.forEach((s, i) => {
    const next = starts[i + 1];
    const end = next ? addMonths(next.start, -1) : last;
    const from = s.start > first ? s.start : first;
    const to = end < last ? end : last;
    if (from <= to) out.push({ phase: s.phase, from, to, months: monthRange(from, to).length });
  });
  return out;
}
